import { TranslationBundle } from '@jupyterlab/translation';
import { launchIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { Hub } from './api';
import { HubModel } from './model';
import { HubAddUsersForm } from './HubAddUsersForm';
import { HubMissingScopes } from './HubMissingScopes';
import { HubNewServerForm, HubServerList } from './HubServerList';
import { HubUserTable } from './HubUserTable';
import { useRerenderOn } from '../common/useSignal';

/**
 * The Hub section: the server owner's servers, and for an admin on their own
 * server the hub's users. Someone who opened another user's server is told
 * whose server it is and offered that user's servers only.
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
  const owner = model.owner;
  const viewer = model.viewer;
  if (!owner || !viewer) {
    return (
      <p className="jp-KernelManager-empty">{trans.__('Asking the hub…')}</p>
    );
  }
  const visiting = model.visiting;
  return (
    <div className="jp-KernelManager-hub">
      <section
        className="jp-KernelManager-hubMe"
        aria-label={
          visiting ? trans.__('Server of %1', owner.name) : trans.__('You')
        }
      >
        {visiting ? (
          <HubVisitor
            model={model}
            owner={owner}
            viewer={viewer}
            trans={trans}
          />
        ) : (
          <p>
            <strong>{owner.name}</strong>
            {owner.admin && (
              <span className="jp-KernelManager-badge">
                {trans.__('admin')}
              </span>
            )}
            {(owner.groups ?? []).length > 0 &&
              ' ' + trans.__('Groups: %1', (owner.groups ?? []).join(', '))}
          </p>
        )}
        {owner.servers ? (
          <HubServerList
            user={owner}
            model={model}
            commands={commands}
            trans={trans}
            own
          />
        ) : (
          <p className="jp-KernelManager-hubNote">
            {trans.__(
              'This page’s token may not read the servers of %1.',
              owner.name
            )}
          </p>
        )}
        {model.may('own-servers') && (
          <HubNewServerForm
            user={owner.name}
            model={model}
            commands={commands}
            trans={trans}
          />
        )}
        <a
          className="jp-KernelManager-hubLink"
          href={model.client.pageUrl('home')}
          target="_blank"
          rel="noopener noreferrer"
        >
          <launchIcon.react
            tag="span"
            className="jp-KernelManager-hubLinkIcon"
          />
          {trans.__('Hub control panel')}
        </a>
      </section>
      <HubMissingScopes model={model} trans={trans} />
      {model.isAdmin && model.may('list-users') && (
        <section
          className="jp-KernelManager-hubAdmin"
          aria-label={trans.__('Users')}
        >
          <HubAddUsersForm model={model} trans={trans} />
          <HubUserTable model={model} commands={commands} trans={trans} />
        </section>
      )}
    </div>
  );
}

/**
 * Whose server this is when someone else opened it (an admin opening
 * alice's server), and, when the hub gave this page's token more than the
 * owner's own things, that the owner's server holds that power too.
 */
function HubVisitor(props: {
  model: HubModel;
  owner: Hub.IUser;
  viewer: Hub.IUser;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, owner, viewer, trans } = props;
  const beyond = model.scopesBeyondOwner();
  return (
    <>
      <div className="jp-KernelManager-hubVisit">
        <p className="jp-KernelManager-hubVisitOwner">
          <strong>{trans.__('%1’s server', owner.name)}</strong>
          {owner.admin && (
            <span className="jp-KernelManager-badge">{trans.__('admin')}</span>
          )}
        </p>
        <p>{visitText(model, owner.name, viewer, trans)}</p>
      </div>
      {beyond.length > 0 && (
        <div className="jp-KernelManager-hubBeyond" role="alert">
          {trans.__(
            'This page’s token reaches past the things of %1 (%2), and the server of %1, which runs code %1 controls, holds it too. Whoever runs the hub should give a server’s tokens only scopes filtered to its owner.',
            owner.name,
            beyond.slice(0, BEYOND_SHOWN).join(', ') +
              (beyond.length > BEYOND_SHOWN ? ', …' : '')
          )}
        </div>
      )}
    </>
  );
}

/** How many of the scopes past the owner the warning names. */
const BEYOND_SHOWN = 4;

function visitText(
  model: HubModel,
  owner: string,
  viewer: Hub.IUser,
  trans: TranslationBundle
): string {
  const acts = model.may('own-servers');
  if (viewer.admin) {
    return acts
      ? trans.__(
          'You are signed in as %1, a hub admin. Only the servers of %2 are shown and managed here; manage users from your own server.',
          viewer.name,
          owner
        )
      : trans.__(
          'You are signed in as %1, a hub admin. Only the servers of %2 are shown here; manage users from your own server.',
          viewer.name,
          owner
        );
  }
  return acts
    ? trans.__(
        'You are signed in as %1. Only the servers of %2 are shown and managed here.',
        viewer.name,
        owner
      )
    : trans.__(
        'You are signed in as %1. Only the servers of %2 are shown here.',
        viewer.name,
        owner
      );
}
