import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';
import * as React from 'react';
import {
  BackendName,
  IBackend,
  IBackendsReply,
  ICreateEnvironment
} from '../common/types';
import {
  checkEnvironmentName,
  firstBadPackage,
  MAX_ENVIRONMENT_NAME,
  NameProblem,
  parsePackages
} from './validation';
import { ShareField, sharesWith } from './ShareField';
import { fileRequestOf, IChosenFile } from './requirementsFile';
import { RequirementsFileField } from './RequirementsFileField';

/**
 * The body of the "New Environment" dialog.
 *
 * It keeps what the user typed, so that when the server refuses a request
 * the dialog can open again with everything as it was.
 */
export class EnvironmentForm extends ReactWidget {
  constructor(options: EnvironmentForm.IOptions) {
    super();
    this.addClass('jp-KernelManager-form');
    this._options = options;
    this._backends = options.backends;
    this._values = {
      name: options.initial?.name ?? '',
      displayName: options.initial?.displayName ?? '',
      backend: options.initial?.backend ?? defaultBackendOf(options.backends),
      python: options.initial?.python ?? '',
      packages: options.initial?.packages ?? '',
      systemSitePackages: options.initial?.systemSitePackages ?? false,
      shared: (options.initial?.shared ?? false) && !!options.sharedDir,
      requirementsFile: options.initial?.requirementsFile ?? null
    };
  }

  /**
   * Show the backends once the server has found them (the form opens at
   * once and says it is looking meanwhile), or why they could not be had.
   */
  setBackends(backends: IBackendsReply | Error): void {
    if (this.isDisposed) {
      return;
    }
    if (backends instanceof Error) {
      this._backendsError = backends.message;
    } else {
      this._backends = backends;
      this._backendsError = null;
      if (!this._options.initial?.backend) {
        this._values = { ...this._values, backend: defaultBackendOf(backends) };
      }
    }
    this.update();
  }

  /**
   * What the user typed, for opening the form again.
   */
  get values(): EnvironmentForm.IValues {
    return { ...this._values };
  }

  /**
   * A message on what is wrong with the input, or null when it can be sent.
   */
  get problem(): string | null {
    const trans = this._options.trans;
    const name = nameMessage(checkEnvironmentName(this._values.name), trans);
    if (name) {
      return name;
    }
    const bad = firstBadPackage(parsePackages(this._values.packages));
    if (bad) {
      return trans.__(
        '“%1” is not a package requirement: give names such as numpy or pandas>=2, one per line.',
        bad
      );
    }
    if (!this._backends) {
      return trans.__('Wait until the backends are found, then create.');
    }
    if (!this._backend()?.available) {
      return trans.__('Choose a backend that is available.');
    }
    return null;
  }

  /**
   * The request to send.
   */
  getValue(): ICreateEnvironment {
    const values = this._values;
    const request: ICreateEnvironment = {
      name: values.name.trim().toLowerCase(),
      backend: values.backend,
      packages: parsePackages(values.packages),
      system_site_packages: values.systemSitePackages
    };
    if (values.displayName.trim()) {
      request.display_name = values.displayName.trim();
    }
    const python = values.python || this._backend()?.default_python;
    if (python) {
      request.python = python;
    }
    if (values.requirementsFile) {
      request.requirements_file = fileRequestOf(values.requirementsFile);
    }
    return request;
  }

  render(): JSX.Element {
    const { trans, sharedDir } = this._options;
    const environmentsDir = sharesWith(this._values.shared, sharedDir)
      ? sharedDir
      : this._options.environmentsDir;
    const backends = this._backends?.backends ?? [];
    const finding = this._backends === null && this._backendsError === null;
    const values = this._values;
    const backend = this._backend();
    const pythons = backend?.pythons ?? [];
    const name = values.name.trim().toLowerCase();
    const nameProblem = values.name
      ? nameMessage(checkEnvironmentName(values.name), trans)
      : null;
    const id = (field: string) => `${this._idPrefix}-${field}`;
    const set = (change: Partial<EnvironmentForm.IValues>) => {
      this._values = { ...this._values, ...change };
      this.update();
    };
    return (
      <div className="jp-KernelManager-formFields">
        {this._options.error && (
          <p className="jp-KernelManager-formError" role="alert">
            {this._options.error}
          </p>
        )}
        <div className="jp-KernelManager-field">
          <label htmlFor={id('name')}>{trans.__('Name')}</label>
          <input
            id={id('name')}
            className="jp-mod-styled"
            name="name"
            value={values.name}
            maxLength={MAX_ENVIRONMENT_NAME}
            autoFocus
            spellCheck={false}
            aria-invalid={!!nameProblem}
            aria-describedby={id('name-help')}
            placeholder={trans.__('e.g. data-science')}
            onChange={event => set({ name: event.target.value })}
          />
          <small
            id={id('name-help')}
            className={nameProblem ? 'jp-KernelManager-fieldError' : undefined}
          >
            {nameProblem ??
              (environmentsDir && name
                ? trans.__('Created in %1', `${environmentsDir}/${name}`)
                : trans.__(
                    'Lower-case letters, digits, “.”, “_” and “-”; also the name of its kernel.'
                  ))}
          </small>
        </div>
        <div className="jp-KernelManager-field">
          <label htmlFor={id('display-name')}>{trans.__('Display name')}</label>
          <input
            id={id('display-name')}
            aria-describedby={id('display-name-help')}
            className="jp-mod-styled"
            name="display_name"
            value={values.displayName}
            placeholder={trans.__('Python (%1)', name || trans.__('name'))}
            onChange={event => set({ displayName: event.target.value })}
          />
          <small id={id('display-name-help')}>
            {trans.__('Shown in the launcher and kernel pickers.')}
          </small>
        </div>
        <div className="jp-KernelManager-field">
          <label htmlFor={id('backend')}>{trans.__('Backend')}</label>
          <select
            id={id('backend')}
            className="jp-mod-styled"
            name="backend"
            value={finding ? '' : values.backend}
            disabled={finding}
            aria-busy={finding}
            aria-describedby={id('backend-status')}
            onChange={event =>
              set({ backend: event.target.value as BackendName, python: '' })
            }
          >
            {finding && (
              <option value="">{trans.__('Finding backends…')}</option>
            )}
            {backends.map(option => (
              <option
                key={option.name}
                value={option.name}
                disabled={!option.available}
              >
                {option.available
                  ? backendLabel(option.name, trans)
                  : trans.__(
                      '%1 (unavailable: %2)',
                      backendLabel(option.name, trans),
                      option.reason ?? ''
                    )}
              </option>
            ))}
          </select>
          <small id={id('backend-status')} role="status">
            {finding
              ? trans.__('Looking for uv, venv and conda on the server…')
              : (this._backendsError ?? '')}
          </small>
        </div>
        <div className="jp-KernelManager-field">
          <label htmlFor={id('python')}>{trans.__('Python version')}</label>
          <select
            id={id('python')}
            aria-describedby={id('python-help')}
            className="jp-mod-styled"
            name="python"
            value={values.python || backend?.default_python || ''}
            disabled={pythons.length <= 1}
            onChange={event => set({ python: event.target.value })}
          >
            {pythons.map(version => (
              <option key={version} value={version}>
                {version}
              </option>
            ))}
          </select>
          {pythons.length <= 1 && (
            <small id={id('python-help')}>
              {trans.__('This backend offers only the Python shown.')}
            </small>
          )}
        </div>
        <div className="jp-KernelManager-field">
          <label htmlFor={id('packages')}>{trans.__('Extra packages')}</label>
          <textarea
            id={id('packages')}
            aria-describedby={id('packages-help')}
            className="jp-mod-styled"
            name="packages"
            rows={4}
            spellCheck={false}
            value={values.packages}
            placeholder={trans.__('numpy\npandas>=2')}
            onChange={event => set({ packages: event.target.value })}
          />
          <small id={id('packages-help')}>
            {trans.__(
              'One requirement per line; ipykernel is always installed.'
            )}
          </small>
        </div>
        <RequirementsFileField
          id={id('file')}
          value={values.requirementsFile}
          onChange={requirementsFile => set({ requirementsFile })}
          readFile={this._options.readRequirementsFile}
          trans={trans}
        />
        <label className="jp-KernelManager-checkbox">
          <input
            type="checkbox"
            name="system_site_packages"
            checked={values.systemSitePackages}
            onChange={event =>
              set({ systemSitePackages: event.target.checked })
            }
          />
          <span>
            {trans.__('Also see the packages installed for everyone')}
          </span>
        </label>
        <ShareField
          id={id('shared-help')}
          checked={values.shared}
          environmentsDir={sharedDir ?? null}
          refusal={this._options.shareRefusal ?? null}
          onChange={shared => set({ shared })}
          trans={trans}
        />
      </div>
    );
  }

  private _backend(): IBackend | undefined {
    return this._backends?.backends.find(b => b.name === this._values.backend);
  }

  private _options: EnvironmentForm.IOptions;
  private _backends: IBackendsReply | null;
  private _backendsError: string | null = null;
  private _idPrefix = `jp-KernelManager-form-${UUID.uuid4()}`;
  private _values: EnvironmentForm.IValues;
}

export namespace EnvironmentForm {
  export interface IValues {
    name: string;
    displayName: string;
    backend: BackendName;
    python: string;
    packages: string;
    systemSitePackages: boolean;
    /** Share with every user (only when `sharedDir` is given). */
    shared: boolean;
    requirementsFile: IChosenFile | null;
  }

  export interface IOptions {
    trans: TranslationBundle;
    /** The backends, or null while the server is still finding them. */
    backends: IBackendsReply | null;
    environmentsDir: string | null;
    /** Where shared environments go, when this user may share; else null. */
    sharedDir?: string | null;
    /** Why this user may not share (shown instead), when sharing is on. */
    shareRefusal?: string | null;
    readRequirementsFile?: (path: string) => Promise<IChosenFile>;
    /** What was typed before, when the form opens again. */
    initial?: Partial<IValues>;
    /** Why the last attempt was refused, shown at the top. */
    error?: string;
  }
}

/**
 * The server's default backend, else the first available one.
 */
function defaultBackendOf(reply: IBackendsReply | null): BackendName {
  return (
    reply?.default_backend ??
    reply?.backends.find(b => b.available)?.name ??
    'uv'
  );
}

/**
 * A backend's name as people know it.
 */
export function backendLabel(
  name: BackendName,
  trans: TranslationBundle
): string {
  switch (name) {
    case 'uv':
      return trans.__('uv (fast)');
    case 'venv':
      return trans.__('venv + pip');
    case 'conda':
      return trans.__('conda');
    default:
      return name;
  }
}

function nameMessage(
  problem: NameProblem,
  trans: TranslationBundle
): string | null {
  switch (problem) {
    case 'empty':
      return trans.__('Give the environment a name.');
    case 'too-long':
      return trans.__('Use at most %1 characters.', MAX_ENVIRONMENT_NAME);
    case 'dots':
      return trans.__('“.” and “..” cannot be names.');
    case 'characters':
      return trans.__('Use only letters, digits, “.”, “_” and “-”.');
    case 'start':
      return trans.__('Start the name with a letter or a digit.');
    default:
      return null;
  }
}
