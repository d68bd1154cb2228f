import { TranslationBundle } from '@jupyterlab/translation';
import { errorIcon, refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { IEnvironment } from '../common/types';
import { CommandIDs } from '../common/commandIds';
import { EnvironmentsModel } from './model';
import { formatBytes } from '../common/format';
import { useRerenderOn } from '../common/useSignal';

/**
 * The environments this extension created, each with its actions.
 */
export function EnvironmentList(props: {
  model: EnvironmentsModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, commands, trans } = props;
  useRerenderOn(model.changed);

  const environments = model.environments;
  if (model.status === 'off') {
    return (
      <p className="jp-KernelManager-empty" role="status">
        {trans.__(
          'Environments are switched off on this server by its administrator.'
        )}
      </p>
    );
  }
  return (
    <div className="jp-KernelManager-environments">
      {model.status === 'error' && (
        <div className="jp-KernelManager-error" role="alert">
          <span>
            {trans.__('Could not list environments: %1', model.error ?? '')}
          </span>
          <button
            className="jp-Button jp-mod-minimal"
            onClick={() =>
              void commands.execute(CommandIDs.refreshEnvironments)
            }
          >
            <refreshIcon.react tag="span" />
            {trans.__('Retry')}
          </button>
        </div>
      )}
      {environments.length > 0 ? (
        <ul
          className="jp-KernelManager-envList"
          aria-label={trans.__('Environments')}
        >
          {environments.map(environment => (
            <EnvironmentRow
              key={environment.name}
              environment={environment}
              commands={commands}
              trans={trans}
            />
          ))}
        </ul>
      ) : (
        model.status !== 'error' && (
          <div className="jp-KernelManager-empty">
            <p>
              {model.status === 'loading'
                ? trans.__('Loading environments…')
                : trans.__(
                    'No environments yet. An environment is a private Python with the packages you choose, and a kernel for it.'
                  )}
            </p>
            {model.status === 'ready' && (
              <button
                className="jp-Button jp-mod-styled jp-mod-accept"
                onClick={() => void commands.execute(CommandIDs.newEnvironment)}
              >
                {trans.__('New Environment…')}
              </button>
            )}
          </div>
        )
      )}
    </div>
  );
}

function EnvironmentRow(props: {
  environment: IEnvironment;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { environment, commands, trans } = props;
  const args = { name: environment.name };
  const facts = environmentFacts(environment, trans);
  const busy = environment.job !== null;
  return (
    <li
      className={
        'jp-KernelManager-env' +
        (environment.healthy || busy ? '' : ' jp-mod-broken')
      }
      data-environment-name={environment.name}
      aria-label={environment.display_name ?? environment.name}
    >
      <div className="jp-KernelManager-envText">
        <span className="jp-KernelManager-itemTitle">
          {environment.display_name ?? environment.name}
        </span>
        <span className="jp-KernelManager-itemMeta">
          <span className="jp-KernelManager-envFacts" title={environment.path}>
            {facts.join(' · ')}
          </span>
        </span>
        {busy ? (
          <button
            className="jp-KernelManager-linkButton"
            onClick={() =>
              void commands.execute(CommandIDs.showJobLog, {
                id: environment.job
              })
            }
          >
            {trans.__('Working… show log')}
          </button>
        ) : (
          !environment.healthy && (
            <span className="jp-KernelManager-envProblem">
              <errorIcon.react tag="span" />
              {environment.problem ?? trans.__('Not working')}
            </span>
          )
        )}
      </div>
      <div className="jp-KernelManager-envActions">
        <button
          className="jp-KernelManager-textButton"
          disabled={busy}
          aria-label={trans.__('Packages of %1', environment.name)}
          onClick={() => void commands.execute(CommandIDs.listPackages, args)}
        >
          {trans.__('Packages')}
        </button>
        <button
          className="jp-KernelManager-textButton"
          disabled={busy}
          aria-label={trans.__('Add packages to %1', environment.name)}
          onClick={() => void commands.execute(CommandIDs.addPackages, args)}
        >
          {trans.__('Add…')}
        </button>
        <button
          className="jp-KernelManager-textButton jp-mod-warn"
          disabled={busy}
          aria-label={trans.__('Delete %1', environment.name)}
          onClick={() =>
            void commands.execute(CommandIDs.deleteEnvironment, args)
          }
        >
          {trans.__('Delete…')}
        </button>
      </div>
    </li>
  );
}

/**
 * An environment's name, backend, Python and size, as its row shows them.
 */
export function environmentFacts(
  environment: IEnvironment,
  trans: TranslationBundle
): string[] {
  return [
    environment.name,
    environment.backend ?? '',
    environment.python_version
      ? trans.__('Python %1', environment.python_version)
      : '',
    formatBytes(environment.size_bytes)
  ].filter(Boolean);
}
