import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { addIcon, closeIcon } from '@jupyterlab/ui-components';
import { UUID } from '@lumino/coreutils';
import * as React from 'react';
import { InterruptMode } from '../common/types';
import {
  editProblem,
  editRequest,
  IEditValues,
  IEnvRow,
  MAX_ENV_VARIABLES
} from './kernelSpecEdit';

/**
 * The body of the "Edit Kernel" dialog: display name, environment
 * variables, extra arguments and interrupt mode of one of the user's specs.
 *
 * It keeps what the user typed, so that when the server refuses the edit
 * the dialog can open again with everything as it was and the reason.
 */
export class EditKernelSpecForm extends ReactWidget {
  constructor(options: EditKernelSpecForm.IOptions) {
    super();
    this.addClass('jp-KernelManager-form');
    this.addClass('jp-KernelManager-editForm');
    this._options = options;
    this._values = cloneValues(options.values ?? options.initial);
  }

  /**
   * What the user typed, for opening the form again.
   */
  get values(): IEditValues {
    return cloneValues(this._values);
  }

  /**
   * A message on what is wrong with the input, or null when it can be sent.
   */
  get problem(): string | null {
    return editProblem(this._values, this._options.trans);
  }

  /**
   * The request to send: only what changed.
   */
  getValue() {
    return editRequest(this._options.initial, this._values);
  }

  render(): JSX.Element {
    const { trans, name, command } = this._options;
    const values = this._values;
    const problem = this.problem;
    const id = (field: string) => `${this._idPrefix}-${field}`;
    const set = (change: Partial<IEditValues>) => {
      this._values = { ...this._values, ...change };
      this.update();
    };
    const setRow = (index: number, change: Partial<IEnvRow>) =>
      set({
        env: values.env.map((row, i) =>
          i === index ? { ...row, ...change } : row
        )
      });
    return (
      <div className="jp-KernelManager-formFields">
        {this._options.error && (
          <p className="jp-KernelManager-formError" role="alert">
            {this._options.error}
          </p>
        )}
        <div className="jp-KernelManager-field">
          <label htmlFor={id('display-name')}>{trans.__('Display name')}</label>
          <input
            id={id('display-name')}
            className="jp-mod-styled"
            name="display_name"
            value={values.displayName}
            autoFocus
            aria-describedby={id('display-name-help')}
            onChange={event => set({ displayName: event.target.value })}
          />
          <small id={id('display-name-help')}>
            {trans.__(
              'Shown in the launcher and kernel pickers; kernel %1.',
              name
            )}
          </small>
        </div>
        <fieldset className="jp-KernelManager-field jp-KernelManager-envRows">
          <legend>{trans.__('Environment variables')}</legend>
          {values.env.length === 0 && (
            <small>
              {trans.__('None: the kernel gets the server’s environment.')}
            </small>
          )}
          {values.env.map((row, index) => (
            <div className="jp-KernelManager-envRow" key={index}>
              <input
                className="jp-mod-styled"
                name={`env-name-${index}`}
                value={row.name}
                spellCheck={false}
                placeholder={trans.__('NAME')}
                aria-label={trans.__('Name of variable %1', index + 1)}
                onChange={event => setRow(index, { name: event.target.value })}
              />
              <span aria-hidden="true">=</span>
              <input
                className="jp-mod-styled"
                name={`env-value-${index}`}
                value={row.value}
                spellCheck={false}
                placeholder={trans.__('value')}
                aria-label={trans.__(
                  'Value of variable %1',
                  row.name.trim() || index + 1
                )}
                onChange={event => setRow(index, { value: event.target.value })}
              />
              <button
                type="button"
                className="jp-Button jp-mod-minimal jp-KernelManager-envRemove"
                title={trans.__('Remove this variable')}
                aria-label={trans.__(
                  'Remove variable %1',
                  row.name.trim() || index + 1
                )}
                onClick={() =>
                  set({ env: values.env.filter((_, i) => i !== index) })
                }
              >
                <closeIcon.react tag="span" />
              </button>
            </div>
          ))}
          <button
            type="button"
            className="jp-KernelManager-textButton jp-KernelManager-envAdd"
            disabled={values.env.length >= MAX_ENV_VARIABLES}
            onClick={() => {
              set({ env: [...values.env, { name: '', value: '' }] });
              this._focusLastRow = true;
            }}
          >
            <addIcon.react tag="span" />
            {trans.__('Add variable')}
          </button>
        </fieldset>
        <div className="jp-KernelManager-field">
          <label htmlFor={id('arguments')}>{trans.__('Extra arguments')}</label>
          <textarea
            id={id('arguments')}
            className="jp-mod-styled"
            name="extra_arguments"
            rows={3}
            spellCheck={false}
            value={values.extraArguments}
            placeholder="--IPKernelApp.matplotlib=inline"
            aria-describedby={id('arguments-help')}
            onChange={event => set({ extraArguments: event.target.value })}
          />
          <small id={id('arguments-help')}>
            {trans.__(
              'One per line, added after the kernel’s own command: %1',
              command.join(' ')
            )}
          </small>
        </div>
        <div className="jp-KernelManager-field">
          <label htmlFor={id('interrupt')}>{trans.__('Interrupt with')}</label>
          <select
            id={id('interrupt')}
            className="jp-mod-styled"
            name="interrupt_mode"
            value={values.interruptMode}
            onChange={event =>
              set({ interruptMode: event.target.value as InterruptMode })
            }
          >
            <option value="signal">{trans.__('A signal (SIGINT)')}</option>
            <option value="message">
              {trans.__('A message (interrupt_request)')}
            </option>
          </select>
        </div>
        <p
          className={
            problem ? 'jp-KernelManager-formError' : 'jp-KernelManager-formNote'
          }
          role="status"
        >
          {problem ??
            trans.__('Kernels started from now on use these settings.')}
        </p>
      </div>
    );
  }

  protected onUpdateRequest(msg: any): void {
    super.onUpdateRequest(msg);
    if (this._focusLastRow) {
      this._focusLastRow = false;
      // After React drew the new row.
      requestAnimationFrame(() => {
        const inputs = this.node.querySelectorAll<HTMLInputElement>(
          '.jp-KernelManager-envRow input[name^="env-name-"]'
        );
        inputs[inputs.length - 1]?.focus();
      });
    }
  }

  private _options: EditKernelSpecForm.IOptions;
  private _values: IEditValues;
  private _focusLastRow = false;
  private _idPrefix = `jp-KernelManager-edit-${UUID.uuid4()}`;
}

export namespace EditKernelSpecForm {
  export interface IOptions {
    trans: TranslationBundle;
    /** The spec's name. */
    name: string;
    /** Its command line without the extra arguments, to show. */
    command: string[];
    /** The values the spec has on the server. */
    initial: IEditValues;
    /** What the user typed before, when the dialog opens again. */
    values?: IEditValues;
    /** Why the server refused the last try. */
    error?: string;
  }
}

function cloneValues(values: IEditValues): IEditValues {
  return { ...values, env: values.env.map(row => ({ ...row })) };
}
