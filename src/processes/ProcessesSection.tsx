import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, stopIcon, usersIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { commandButton } from '../common/toolbarButton';
import { WatchingSection } from '../common/WatchingSection';
import { ProcessesView } from './ProcessesView';
import { ProcessesModel } from './model';
import { ProcessHistory } from './historyModel';

/**
 * The Processes section; it scans only while it is shown.
 */
export class ProcessesSection extends WatchingSection {
  constructor(options: ProcessesSection.IOptions) {
    super(options.model, ...(options.history ? [options.history] : []));
    const { commands, trans } = options;
    this.id = 'jp-KernelManager-processes';
    this.addClass('jp-KernelManager-section');
    this.title.label = trans.__('Processes');
    this.title.caption = trans.__('What you are running, with CPU and memory');
    this.toolbar.addItem(
      'all-users',
      commandButton(
        commands,
        CommandIDs.toggleAllUsers,
        usersIcon,
        trans.__('All Users')
      )
    );
    this.toolbar.addItem(
      'shutdown-idle',
      commandButton(
        commands,
        CommandIDs.shutdownIdleKernels,
        stopIcon,
        trans.__('Shut Down Idle Kernels…')
      )
    );
    this.toolbar.addItem(
      'refresh',
      commandButton(
        commands,
        CommandIDs.refreshProcesses,
        refreshIcon,
        trans.__('Refresh Processes')
      )
    );
    this._body = new ProcessesBody(options);
    this.addWidget(this._body);
  }

  private _body: ProcessesBody;
}

export namespace ProcessesSection {
  export interface IOptions {
    model: ProcessesModel;
    /** CPU and memory over time, when the plugin keeps one. */
    history?: ProcessHistory | null;
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
