import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  PanelWithToolbar,
  refreshIcon,
  usersIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import * as React from 'react';
import { CommandIDs } from '../commands';
import { commandButton } from './toolbarButton';
import { ProcessesView } from '../components/ProcessesView';
import { ProcessesModel } from '../models/processes';

/**
 * The Processes section; it scans only while it is shown.
 */
export class ProcessesSection extends PanelWithToolbar {
  constructor(options: ProcessesSection.IOptions) {
    super();
    const { model, commands, trans } = options;
    this.id = 'jp-KernelManager-processes';
    this.addClass('jp-KernelManager-section');
    this.title.label = trans.__('Processes');
    this.title.caption = trans.__('What you are running, with CPU and memory');
    this.toolbar.addItem(
      'all-users',
      commandButton(commands, CommandIDs.toggleAllUsers, usersIcon, trans.__('All Users'))
    );
    this.toolbar.addItem(
      'refresh',
      commandButton(commands, CommandIDs.refreshProcesses, refreshIcon, trans.__('Refresh Processes'))
    );
    this._model = model;
    this._body = new ProcessesBody(options);
    this.addWidget(this._body);
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

  private _model: ProcessesModel;
  private _body: ProcessesBody;
  private _watch: IDisposable | null = null;
}

export namespace ProcessesSection {
  export interface IOptions {
    model: ProcessesModel;
    commands: CommandRegistry;
    trans: TranslationBundle;
  }
}

class ProcessesBody extends ReactWidget {
  constructor(options: ProcessesSection.IOptions) {
    super();
    this.addClass('jp-KernelManager-body');
    this._options = options;
  }

  render(): JSX.Element {
    return <ProcessesView {...this._options} isVisible={this._isVisible} />;
  }

  /**
   * The status bar item keeps scans coming while the section is hidden;
   * rendering waits until it is shown again.
   */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.update();
  }

  private _isVisible = (): boolean => this.isVisible;

  private _options: ProcessesSection.IOptions;
}
