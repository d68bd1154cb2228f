import { Dialog, ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { formatBytes, processLabel } from '../common/format';
import { IProcessesReply } from '../common/types';
import { idleKernels, IIdleKernel } from './idle';
import { formatAge } from './ProcessRow';

/** Forms made so far: each gets its own input id. */
let formCount = 0;

/**
 * What "Shut down idle kernels…" asks: how long idle, whether kernels with an
 * open notebook count, and so which kernels.
 */
export interface IIdleChoice {
  minutes: number;
  includeConnected: boolean;
  kernels: IIdleKernel[];
}

/**
 * The dialog's body: the choice and the kernels it selects, listed with
 * their notebook, idle time and memory as the choice changes.
 */
export class IdleKernelsForm
  extends ReactWidget
  implements Dialog.IBodyWidget<IIdleChoice>
{
  constructor(options: IdleKernelsForm.IOptions) {
    super();
    this.addClass('jp-KernelManager-idleForm');
    this._options = options;
    this._minutes = options.minutes;
  }

  getValue(): IIdleChoice {
    return {
      minutes: this._minutes,
      includeConnected: this._includeConnected,
      kernels: this._selected()
    };
  }

  render(): JSX.Element {
    const { trans } = this._options;
    const kernels = this._selected();
    return (
      <div className="jp-KernelManager-formFields">
        <div className="jp-KernelManager-field">
          <label htmlFor={this._inputId}>
            {trans.__('Idle for at least (minutes)')}
          </label>
          <input
            id={this._inputId}
            className="jp-mod-styled"
            type="number"
            min={0}
            max={100000}
            step={1}
            value={this._minutes}
            onChange={event => {
              const value = event.currentTarget.valueAsNumber;
              this._minutes = Number.isFinite(value) ? Math.max(0, value) : 0;
              this.update();
            }}
          />
        </div>
        <label className="jp-KernelManager-checkbox">
          <input
            type="checkbox"
            checked={this._includeConnected}
            onChange={event => {
              this._includeConnected = event.currentTarget.checked;
              this.update();
            }}
          />
          <span>
            {trans.__('Also kernels with an open notebook or console')}
          </span>
        </label>
        <p role="status" className="jp-KernelManager-idleSummary">
          {kernels.length === 0
            ? trans.__('No kernel has been idle that long.')
            : trans._n(
                '%1 kernel will be shut down; its variables are lost:',
                '%1 kernels will be shut down; their variables are lost:',
                kernels.length
              )}
        </p>
        {kernels.length > 0 && (
          <ul className="jp-KernelManager-idleList">
            {kernels.map(kernel => (
              <li key={kernel.id}>
                <span className="jp-KernelManager-itemTitle">
                  {kernel.name}
                </span>
                <span className="jp-KernelManager-itemMeta">
                  {[
                    trans.__(
                      'idle for %1',
                      formatAge(kernel.idleSeconds, trans)
                    ),
                    formatBytes(kernel.memory),
                    kernel.connections > 0
                      ? trans._n(
                          '%1 connection',
                          '%1 connections',
                          kernel.connections
                        )
                      : ''
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </span>
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }

  private _selected(): IIdleKernel[] {
    const { reply, memory, trans } = this._options;
    return idleKernels({
      processes: reply.processes,
      now: reply.timestamp,
      minutes: this._minutes,
      includeConnected: this._includeConnected,
      memory,
      label: process =>
        processLabel(process) ||
        trans.__('%1 kernel', process.kernel?.kernelspec ?? '')
    });
  }

  private _options: IdleKernelsForm.IOptions;
  private _minutes: number;
  private _includeConnected = false;
  private _inputId = `jp-KernelManager-idleMinutes-${++formCount}`;
}

export namespace IdleKernelsForm {
  export interface IOptions {
    /** The scan the list is made from. */
    reply: IProcessesReply;
    /** Memory of each kernel with its children. */
    memory: ReadonlyMap<string, number>;
    /** The starting choice: the setting's default. */
    minutes: number;
    trans: TranslationBundle;
  }
}
