import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  PanelWithToolbar,
  refreshIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../commands';
import { commandButton } from './toolbarButton';
import { HubView } from '../components/HubView';
import { HubModel } from '../models/hub';

/**
 * The Hub section, present only when JupyterLab runs under JupyterHub.
 */
export class HubSection extends PanelWithToolbar {
  constructor(options: HubSection.IOptions) {
    super();
    const { model, commands, trans } = options;
    this.id = 'jp-KernelManager-hub';
    this.addClass('jp-KernelManager-section');
    this.title.label = trans.__('Hub');
    this.title.caption = trans.__('Your JupyterHub servers, and for admins the users');
    this.toolbar.addItem(
      'refresh',
      commandButton(commands, CommandIDs.hubRefresh, refreshIcon, trans.__('Refresh Hub'))
    );
    const body = ReactWidget.create(
      <HubView model={model} commands={commands} trans={trans} />
    );
    body.addClass('jp-KernelManager-body');
    this.addWidget(body);
  }
}

export namespace HubSection {
  export interface IOptions {
    model: HubModel;
    commands: CommandRegistry;
    trans: TranslationBundle;
  }
}
