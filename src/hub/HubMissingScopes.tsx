import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { HubModel } from './model';
import { ACTION_SCOPES, HubAction, SCOPES_CONFIG } from './scopes';

/**
 * Which actions the token lacks scopes for, with the scope each needs and
 * the config that grants them.
 */
export function HubMissingScopes(props: {
  model: HubModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  const missing = model.missingActions();
  if (missing.length === 0) {
    return null;
  }
  return (
    <div className="jp-KernelManager-hubScopes" role="note">
      <p>{trans.__('This page’s token may not:')}</p>
      <ul>
        {missing.map(action => (
          <li key={action}>
            {trans.__(
              '%1 (scope %2)',
              describeAction(action, trans),
              scopeOf(action)
            )}
          </li>
        ))}
      </ul>
      <p>
        {trans.__(
          'A hub admin grants that with the configuration below, which gives each server only what its owner may do (see “Granting the Hub section its scopes” in the extension’s README). Then each user restarts their server.'
        )}
      </p>
      <details>
        <summary>{trans.__('Show the hub configuration')}</summary>
        <pre>{SCOPES_CONFIG}</pre>
      </details>
    </div>
  );
}

function scopeOf(action: HubAction): string {
  // Listing users also needs their models.
  return action === 'list-users'
    ? 'list:users, read:users'
    : ACTION_SCOPES[action];
}

function describeAction(action: HubAction, trans: TranslationBundle): string {
  switch (action) {
    case 'own-servers':
      return trans.__('start and stop your servers');
    case 'list-users':
      return trans.__('list users');
    case 'add-users':
    case 'delete-users':
      return trans.__('add and delete users');
    case 'user-servers':
      return trans.__('start and stop users’ servers');
    case 'access-servers':
      return trans.__('see what users’ servers on other machines run');
  }
}
