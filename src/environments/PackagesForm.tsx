import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { UUID } from '@lumino/coreutils';
import * as React from 'react';
import { IInstalledPackage } from '../common/types';
import { parsePackages } from './validation';

/**
 * Dialog body: requirements to add, one per line.
 */
export class PackagesForm extends ReactWidget {
  constructor(options: PackagesForm.IOptions) {
    super();
    this.addClass('jp-KernelManager-form');
    this._options = options;
    this._text = options.initial ?? '';
  }

  /**
   * What was typed, for opening the form again after a refusal.
   */
  get text(): string {
    return this._text;
  }

  getValue(): string[] {
    return parsePackages(this._text);
  }

  render(): JSX.Element {
    const { trans, error } = this._options;
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
            {trans.__('One requirement per line.')}
          </small>
        </div>
      </div>
    );
  }

  private _options: PackagesForm.IOptions;
  private _text: string;
  private _id = `jp-KernelManager-packages-${UUID.uuid4()}`;
}

export namespace PackagesForm {
  export interface IOptions {
    trans: TranslationBundle;
    initial?: string;
    error?: string;
  }
}

/**
 * Dialog body: what is installed in an environment.
 */
export function PackageTable(props: {
  packages: ReadonlyArray<IInstalledPackage>;
  trans: TranslationBundle;
}): JSX.Element {
  const { packages, trans } = props;
  return (
    <div className="jp-KernelManager-packageTable">
      <table>
        <caption>
          {trans._n('%1 package', '%1 packages', packages.length)}
        </caption>
        <thead>
          <tr>
            <th scope="col">{trans.__('Package')}</th>
            <th scope="col">{trans.__('Version')}</th>
          </tr>
        </thead>
        <tbody>
          {packages.map(item => (
            <tr key={item.name}>
              <td>{item.name}</td>
              <td>{item.version}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
