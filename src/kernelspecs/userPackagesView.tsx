import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { UUID } from '@lumino/coreutils';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { useRerenderOn } from '../common/useSignal';
import { UserPackagesModel } from './userPackagesModel';

/**
 * The user-site packages of one kernelspec's Python, in the main area: what
 * `pip install --user` put there, with Add and Remove, and the log of the
 * install started from here.
 */
export class UserPackagesPanel extends ReactWidget {
  constructor(options: UserPackagesPanel.IOptions) {
    super();
    this.addClass('jp-KernelManager-userPackages');
    this.model = options.model;
    this._trans = options.trans;
    this._commands = options.commands;
  }

  readonly model: UserPackagesModel;

  render(): JSX.Element {
    return (
      <UserPackagesView
        model={this.model}
        trans={this._trans}
        commands={this._commands}
      />
    );
  }

  dispose(): void {
    this.model.dispose();
    super.dispose();
  }

  private _trans: TranslationBundle;
  private _commands: CommandRegistry;
}

export namespace UserPackagesPanel {
  export interface IOptions {
    model: UserPackagesModel;
    trans: TranslationBundle;
    commands: CommandRegistry;
  }
}

/**
 * The plain note every user-site view carries.
 */
export function userSiteNote(
  version: string | null,
  trans: TranslationBundle
): string {
  return version
    ? trans.__(
        'Packages installed with --user apply to every kernel of Python %1 whose user site is on.',
        version
      )
    : trans.__(
        'Packages installed with --user apply to every kernel of that Python version whose user site is on.'
      );
}

export function UserPackagesView(props: {
  model: UserPackagesModel;
  trans: TranslationBundle;
  commands: CommandRegistry;
}): JSX.Element {
  const { model, trans, commands } = props;
  useRerenderOn(model.changed);
  const reply = model.reply;
  const run =
    (id: string, extra: { package?: string } = {}) =>
    () =>
      void commands.execute(id, { name: model.name, ...extra });
  return (
    <div className="jp-KernelManager-userPackagesBody">
      <div className="jp-KernelManager-userPackagesHeader">
        <h2>{trans.__('User packages of “%1”', model.displayName)}</h2>
        <button
          className="jp-Button jp-mod-styled jp-mod-reject"
          onClick={() => void model.refresh()}
          disabled={model.loading}
        >
          {trans.__('Refresh')}
        </button>
        {reply?.available && (
          <button
            className="jp-Button jp-mod-styled jp-mod-accept"
            onClick={run(CommandIDs.addUserPackages)}
            disabled={model.busy}
          >
            {trans.__('Add Packages…')}
          </button>
        )}
      </div>
      {model.error && (
        <p className="jp-KernelManager-formError" role="alert">
          {model.error}
        </p>
      )}
      {!reply && !model.error && (
        <p role="status">{trans.__('Asking the interpreter…')}</p>
      )}
      {reply && !reply.available && (
        <p className="jp-KernelManager-userSiteOff" role="status">
          {trans.__(
            'User-site packages are not available here: %1',
            reply.reason ?? ''
          )}
        </p>
      )}
      {reply?.available && (
        <>
          <p className="jp-KernelManager-userSiteNote">
            {userSiteNote(reply.python_version, trans)}
          </p>
          <p className="jp-KernelManager-path">
            {trans.__('User site: %1', reply.user_site ?? '')}
          </p>
          <div className="jp-KernelManager-packageTable">
            <table>
              <caption>
                {trans._n(
                  '%1 package in the user site',
                  '%1 packages in the user site',
                  reply.packages.length
                )}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{trans.__('Package')}</th>
                  <th scope="col">{trans.__('Version')}</th>
                  <th scope="col">
                    <span className="jp-KernelManager-visuallyHidden">
                      {trans.__('Actions')}
                    </span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {reply.packages.map(item => (
                  <tr key={item.name}>
                    <td>{item.name}</td>
                    <td>{item.version}</td>
                    <td>
                      <button
                        className="jp-KernelManager-textButton jp-mod-warn"
                        aria-label={trans.__('Remove %1', item.name)}
                        disabled={model.busy}
                        onClick={run(CommandIDs.removeUserPackage, {
                          package: item.name
                        })}
                      >
                        {model.removing === item.name
                          ? trans.__('Removing…')
                          : trans.__('Remove')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <UserSiteJob model={model} trans={trans} />
    </div>
  );
}

function UserSiteJob(props: {
  model: UserPackagesModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  const job = model.job;
  if (!job) {
    return null;
  }
  const states: Record<string, string> = {
    running: trans.__('Installing…'),
    succeeded: trans.__('Installed'),
    failed: trans.__('Failed'),
    cancelled: trans.__('Cancelled')
  };
  return (
    <section
      className="jp-KernelManager-userSiteJob"
      aria-label={trans.__('Install log')}
    >
      <div className="jp-KernelManager-jobLogHeader">
        <span
          className={`jp-KernelManager-jobState jp-mod-${job.state}`}
          role="status"
        >
          {states[job.state]}
        </span>
        {job.state === 'running' && (
          <button
            className="jp-Button jp-mod-styled jp-mod-warn"
            onClick={() => void model.cancel()}
          >
            {trans.__('Cancel')}
          </button>
        )}
      </div>
      {job.error && (
        <p className="jp-KernelManager-formError" role="alert">
          {job.error}
        </p>
      )}
      <pre
        className="jp-KernelManager-jobLogText"
        role="log"
        aria-label={trans.__('Log')}
        tabIndex={0}
      >
        {model.log.join('\n')}
      </pre>
    </section>
  );
}

/**
 * Dialog body: requirements to add with `pip install --user`, one per line.
 */
export class UserPackagesForm extends ReactWidget {
  constructor(options: UserPackagesForm.IOptions) {
    super();
    this.addClass('jp-KernelManager-form');
    this._options = options;
    this._text = options.initial ?? '';
  }

  /** What was typed, for opening the form again after a refusal. */
  get text(): string {
    return this._text;
  }

  /** One requirement a line; blank lines and `#` comments dropped. */
  getValue(): string[] {
    const lines = this._text
      .split(/\r?\n/)
      .map(line => line.replace(/(^|\s)#.*$/, '').trim())
      .filter(line => line.length > 0);
    return [...new Set(lines)];
  }

  render(): JSX.Element {
    const { trans, error, version } = this._options;
    return (
      <div className="jp-KernelManager-formFields">
        {error && (
          <p className="jp-KernelManager-formError" role="alert">
            {error}
          </p>
        )}
        <div className="jp-KernelManager-field">
          <label htmlFor={this._id}>{trans.__('Packages')}</label>
          <textarea
            id={this._id}
            aria-describedby={`${this._id}-help`}
            className="jp-mod-styled"
            name="packages"
            rows={5}
            autoFocus
            spellCheck={false}
            value={this._text}
            placeholder={trans.__('numpy\npandas>=2')}
            onChange={event => {
              this._text = event.target.value;
              this.update();
            }}
          />
          <small id={`${this._id}-help`}>
            {trans.__('One requirement per line.')}{' '}
            {userSiteNote(version, trans)}
          </small>
        </div>
      </div>
    );
  }

  private _options: UserPackagesForm.IOptions;
  private _text: string;
  private _id = `jp-KernelManager-userPackages-${UUID.uuid4()}`;
}

export namespace UserPackagesForm {
  export interface IOptions {
    trans: TranslationBundle;
    version: string | null;
    initial?: string;
    error?: string;
  }
}
