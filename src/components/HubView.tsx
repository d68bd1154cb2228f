import { TranslationBundle } from '@jupyterlab/translation';
import { launchIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../commands';
import { HubModel } from '../models/hub';
import { HubAddUsersForm } from './HubAddUsersForm';
import { HubMissingScopes } from './HubMissingScopes';
import { HubNewServerForm, HubServerList } from './HubServerList';
import { HubUserTable } from './HubUserTable';
import { useRerenderOn } from './useSignal';

/**
 * The Hub section: the user's own servers, and for admins the hub's users.
 */
export function HubView(props: {
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, commands, trans } = props;
  useRerenderOn(model.changed);

  if (model.status === 'error') {
    return (
      <div className="jp-KernelManager-hub">
        <div className="jp-KernelManager-error" role="alert">
          <span>
            {trans.__(
              'The hub cannot be used: %1. The token of this page may have expired or been revoked; reloading the page gets a new one.',
              model.error ?? ''
            )}
          </span>
          <button
            className="jp-Button jp-mod-minimal"
            onClick={() => void commands.execute(CommandIDs.hubRefresh)}
          >
            {trans.__('Retry')}
          </button>
        </div>
      </div>
    );
  }
  const me = model.me;
  if (!me) {
    return <p className="jp-KernelManager-empty">{trans.__('Asking the hub…')}</p>;
  }
  return (
    <div className="jp-KernelManager-hub">
      <section className="jp-KernelManager-hubMe" aria-label={trans.__('You')}>
        <p>
          <strong>{me.name}</strong>
          {me.admin && <span className="jp-KernelManager-badge">{trans.__('admin')}</span>}
          {(me.groups ?? []).length > 0 &&
            ' ' + trans.__('Groups: %1', (me.groups ?? []).join(', '))}
        </p>
        <HubServerList user={me} model={model} commands={commands} trans={trans} own />
        {model.may('own-servers') && (
          <HubNewServerForm user={me.name} model={model} commands={commands} trans={trans} />
        )}
        <a
          className="jp-KernelManager-hubLink"
          href={model.client.pageUrl('home')}
          target="_blank"
          rel="noopener noreferrer"
        >
          <launchIcon.react tag="span" className="jp-KernelManager-hubLinkIcon" />
          {trans.__('Hub control panel')}
        </a>
      </section>
      <HubMissingScopes model={model} trans={trans} />
      {me.admin && model.may('list-users') && (
        <section className="jp-KernelManager-hubAdmin" aria-label={trans.__('Users')}>
          <HubAddUsersForm model={model} trans={trans} />
          <HubUserTable model={model} commands={commands} trans={trans} />
        </section>
      )}
    </div>
  );
}
