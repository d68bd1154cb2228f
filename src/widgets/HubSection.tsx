import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  PanelWithToolbar,
  refreshIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import * as React from 'react';
import { CommandIDs } from '../commands';
import { commandButton } from './toolbarButton';
import { HubView } from '../components/HubView';
import { HubModel } from '../models/hub';

/**
 * The Hub section, present only when JupyterLab runs under JupyterHub; it
 * keeps itself current while it is shown.
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
    this._model = model;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._watch ??= this._model.watch();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._watch ??= this._model.watch();
    }
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._stopWatching();
  }

  protected onBeforeDetach(msg: Message): void {
    this._stopWatching();
    super.onBeforeDetach(msg);
  }

  dispose(): void {
    this._stopWatching();
    super.dispose();
  }

  private _stopWatching(): void {
    this._watch?.dispose();
    this._watch = null;
  }

  private _model: HubModel;
  private _watch: IDisposable | null = null;
}

export namespace HubSection {
  export interface IOptions {
    model: HubModel;
    commands: CommandRegistry;
    trans: TranslationBundle;
  }
}
