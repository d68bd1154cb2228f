import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';
import * as React from 'react';
import { IProcessesSource } from '../common/tokens';
import { formatBytes } from '../common/format';

/**
 * Status bar item: the user's memory against the limit that applies.
 */
export class MemoryStatus extends ReactWidget {
  constructor(options: MemoryStatus.IOptions) {
    super();
    this.addClass('jp-KernelManager-memoryStatus');
    this._model = options.model;
    this._trans = options.trans;
    this._onClick = options.onClick;
    this._model.changed.connect(this.update, this);
  }

  render(): JSX.Element | null {
    const reply = this._model.reply;
    if (!reply) {
      return null;
    }
    const used = reply.totals.uss_bytes ?? reply.totals.rss_bytes;
    const limit = reply.limits.memory_bytes;
    const text = this._trans.__(
      'Mem: %1 / %2',
      formatBytes(used),
      formatBytes(limit)
    );
    return (
      <button
        className="jp-KernelManager-statusButton"
        title={this._trans.__('Memory of your processes; click to see them')}
        onClick={this._onClick}
      >
        {text}
      </button>
    );
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._watch ??= this._model.watch();
  }

  protected onBeforeDetach(msg: Message): void {
    this._watch?.dispose();
    this._watch = null;
    super.onBeforeDetach(msg);
  }

  dispose(): void {
    this._watch?.dispose();
    this._watch = null;
    this._model.changed.disconnect(this.update, this);
    super.dispose();
  }

  private _model: IProcessesSource;
  private _trans: TranslationBundle;
  private _onClick: () => void;
  private _watch: IDisposable | null = null;
}

export namespace MemoryStatus {
  export interface IOptions {
    model: IProcessesSource;
    trans: TranslationBundle;
    onClick: () => void;
  }
}
