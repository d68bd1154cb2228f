import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { Hub } from './api';
import { CommandIDs } from '../common/commandIds';
import { HubModel } from './model';
import { HubNewServerForm, HubServerList } from './HubServerList';
import { HubUsageCell } from './HubUsageCell';

/**
 * A user's row (name, admin badge and server state in its header cell, so
 * that a 250 px sidebar keeps each on one line), and below it, when
 * expanded, their servers.
 */
export function HubUserRow(props: {
  user: Hub.IUser;
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { user, model, commands, trans } = props;
  const server = user.servers?.[''];
  const progress = model.progress(user.name, '');
  const named = Object.keys(user.servers ?? {}).filter(
    name => name !== ''
  ).length;
  const state = serverState(server, progress, trans);
  // What a user runs, for running servers only: the kernels of a server just
  // stopped outlive it by a second or two.
  const running = Object.values(user.servers ?? {}).some(s => s.ready);
  const canServers = model.may('user-servers');
  const expanded = model.isExpanded(user.name);
  const details = model.details(user.name);
  const detailsId = `jp-KernelManager-hubUser-${user.name}`;
  return (
    <tbody>
      <tr data-user={user.name}>
        <th scope="row">
          <div className="jp-KernelManager-hubUserHead">
            <button
              className="jp-KernelManager-expander"
              aria-expanded={expanded}
              aria-controls={expanded ? detailsId : undefined}
              title={trans.__('Show servers of %1', user.name)}
              onClick={() => void model.toggleUser(user.name)}
            >
              <span className="jp-KernelManager-caret" />
              <span className="jp-KernelManager-hubUserName">{user.name}</span>
            </button>
            {user.admin && (
              <span className="jp-KernelManager-badge">
                {trans.__('admin')}
              </span>
            )}
          </div>
          <span className="jp-KernelManager-visuallyHidden">
            {trans.__('Server state: %1', state.text)}
          </span>
          <span
            aria-hidden="true"
            className={`jp-KernelManager-hubState ${state.mod}`}
          >
            {state.text}
          </span>
          {named > 0 && (
            <small className="jp-KernelManager-hubNamed">
              {trans._n('+%1 named server', '+%1 named servers', named)}
            </small>
          )}
        </th>
        <HubUsageCell
          usage={running ? model.usage(user.name) : undefined}
          deadline={model.usageSource.deadline}
          timeout={model.usageSource.timeout}
          trans={trans}
        />
        <td>
          <div className="jp-KernelManager-hubActions">
            {canServers && !server?.ready && !server?.pending && !progress && (
              <button
                className="jp-KernelManager-textButton"
                aria-label={trans.__('Start server of %1', user.name)}
                onClick={() =>
                  void commands.execute(CommandIDs.hubStartServer, {
                    user: user.name,
                    server: ''
                  })
                }
              >
                {trans.__('Start')}
              </button>
            )}
            {canServers && server?.ready && (
              <button
                className="jp-KernelManager-textButton"
                aria-label={trans.__('Stop server of %1', user.name)}
                onClick={() =>
                  void commands.execute(CommandIDs.hubStopServer, {
                    user: user.name,
                    server: ''
                  })
                }
              >
                {trans.__('Stop')}
              </button>
            )}
            {model.may('delete-users') && user.name !== model.userName && (
              <button
                className="jp-KernelManager-textButton jp-mod-warn"
                aria-label={trans.__('Delete user %1', user.name)}
                onClick={() =>
                  void commands.execute(CommandIDs.hubDeleteUser, {
                    name: user.name
                  })
                }
              >
                {trans.__('Delete')}
              </button>
            )}
          </div>
        </td>
      </tr>
      {expanded && (
        <tr className="jp-KernelManager-hubDetails">
          <td colSpan={3} id={detailsId}>
            {details ? (
              <>
                <HubServerList
                  user={details}
                  model={model}
                  commands={commands}
                  trans={trans}
                />
                {canServers && (
                  <HubNewServerForm
                    user={user.name}
                    model={model}
                    commands={commands}
                    trans={trans}
                  />
                )}
              </>
            ) : (
              <span aria-live="polite">{trans.__('Asking the hub…')}</span>
            )}
          </td>
        </tr>
      )}
    </tbody>
  );
}

/**
 * The state of a user's default server, in words and as the modifier class
 * of its label.
 */
function serverState(
  server: Hub.IServer | undefined,
  progress: Hub.IProgressEvent | undefined,
  trans: TranslationBundle
): { text: string; mod: string } {
  if (server?.ready) {
    return { text: trans.__('running'), mod: 'jp-mod-ready' };
  }
  if (server?.pending === 'stop') {
    return { text: trans.__('stopping'), mod: 'jp-mod-pending' };
  }
  if (server?.pending || progress) {
    return {
      text: trans.__('starting %1%', String(progress?.progress ?? 0)),
      mod: 'jp-mod-pending'
    };
  }
  return { text: trans.__('stopped'), mod: 'jp-mod-stopped' };
}
