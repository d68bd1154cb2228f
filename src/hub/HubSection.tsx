import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { commandButton } from '../common/toolbarButton';
import { WatchingSection } from '../common/WatchingSection';
import { HubView } from './HubView';
import { HubModel } from './model';

/**
 * The Hub section, present only when JupyterLab runs under JupyterHub; it
 * keeps itself current while it is shown.
 */
export class HubSection extends WatchingSection {
  constructor(options: HubSection.IOptions) {
    super(options.model);
    const { model, commands, trans } = options;
    this.id = 'jp-KernelManager-hub';
    this.addClass('jp-KernelManager-section');
    this.title.label = trans.__('Hub');
    this.title.caption = trans.__(
      'Servers on JupyterHub, and for admins the hub’s users'
    );
    this.toolbar.addItem(
      'refresh',
      commandButton(
        commands,
        CommandIDs.hubRefresh,
        refreshIcon,
        trans.__('Refresh Hub')
      )
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
