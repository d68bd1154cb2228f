import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { ISharedEnvironment } from '../common/types';
import { useRerenderOn } from '../common/useSignal';
import { environmentFacts } from './EnvironmentList';
import { SharedEnvironmentsModel } from './sharedModel';

/**
 * The environments hub admins share with every user: read-only for users,
 * with Add and Delete for an admin who may change them.
 */
export function SharedEnvironmentList(props: {
  model: SharedEnvironmentsModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, commands, trans } = props;
  useRerenderOn(model.changed);
  const environments = model.environments;
  if (!model.enabled || (environments.length === 0 && !model.canManage)) {
    return null;
  }
  const headingId = 'jp-KernelManager-shared-heading';
  return (
    <div className="jp-KernelManager-shared">
      <h3 id={headingId} className="jp-KernelManager-subheading">
        {trans.__('Shared with every user')}
      </h3>
      {environments.length > 0 ? (
        <ul className="jp-KernelManager-envList" aria-labelledby={headingId}>
          {environments.map(environment => (
            <SharedRow
              key={environment.name}
              environment={environment}
              canManage={model.canManage}
              commands={commands}
              trans={trans}
            />
          ))}
        </ul>
      ) : (
        <p className="jp-KernelManager-empty">
          {trans.__(
            'None yet. Tick “Share with every user” in the New Environment form to make one.'
          )}
        </p>
      )}
    </div>
  );
}

function SharedRow(props: {
  environment: ISharedEnvironment;
  canManage: boolean;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { environment, canManage, commands, trans } = props;
  const args = { name: environment.name };
  const title = environment.display_name ?? environment.name;
  const busy = environment.job !== null;
  const facts = environmentFacts(environment, trans);
  return (
    <li
      className={
        'jp-KernelManager-env jp-mod-shared' +
        (environment.healthy || busy ? '' : ' jp-mod-broken')
      }
      data-shared-environment-name={environment.name}
      aria-label={trans.__('%1, shared with every user', title)}
    >
      <div className="jp-KernelManager-envText">
        <span className="jp-KernelManager-itemTitle">{title}</span>
        <span className="jp-KernelManager-itemMeta">
          <span className="jp-KernelManager-badge">{trans.__('shared')}</span>
          <span className="jp-KernelManager-envFacts" title={environment.path}>
            {facts.join(' · ')}
          </span>
        </span>
        {busy && (
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
        )}
        {!busy && !environment.healthy && (
          <span className="jp-KernelManager-envProblem">
            {environment.problem ?? trans.__('Not working')}
          </span>
        )}
      </div>
      <div className="jp-KernelManager-envActions">
        <button
          className="jp-KernelManager-textButton"
          disabled={busy}
          aria-label={trans.__('Packages of %1', environment.name)}
          onClick={() =>
            void commands.execute(CommandIDs.listSharedPackages, args)
          }
        >
          {trans.__('Packages')}
        </button>
        {canManage && (
          <>
            <button
              className="jp-KernelManager-textButton"
              disabled={busy}
              aria-label={trans.__('Add packages to %1', environment.name)}
              onClick={() =>
                void commands.execute(CommandIDs.addSharedPackages, args)
              }
            >
              {trans.__('Add…')}
            </button>
            <button
              className="jp-KernelManager-textButton jp-mod-warn"
              disabled={busy}
              aria-label={trans.__('Delete %1', environment.name)}
              onClick={() =>
                void commands.execute(CommandIDs.deleteSharedEnvironment, args)
              }
            >
              {trans.__('Delete…')}
            </button>
          </>
        )}
      </div>
    </li>
  );
}
