import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { Hub } from '../api/hub';
import { CommandIDs } from '../commands';
import { HubModel, IAddUsersResult } from '../models/hub';
import { HubAction, SCOPES_CONFIG } from '../models/hubScopes';
import { formatBytes } from '../models/validation';
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
        <ServerList user={me} model={model} commands={commands} trans={trans} own />
        <a
          className="jp-KernelManager-link"
          href={model.client.pageUrl('home')}
          target="_blank"
          rel="noopener noreferrer"
        >
          {trans.__('Hub control panel')}
        </a>
      </section>
      <MissingScopes model={model} trans={trans} />
      {me.admin && model.may('list-users') && (
        <AdminUsers model={model} commands={commands} trans={trans} />
      )}
    </div>
  );
}

/**
 * A user's servers with their state and start, stop and open.
 */
function ServerList(props: {
  user: Hub.IUser;
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  own?: boolean;
}): JSX.Element {
  const { user, model, commands, trans } = props;
  const servers: Hub.IServer[] = Object.values(user.servers ?? {});
  const canAct = model.may(props.own ? 'own-servers' : 'user-servers');
  if (!servers.some(server => server.name === '')) {
    servers.unshift({
      name: '',
      ready: false,
      pending: null,
      url: '',
      progress_url: '',
      started: null,
      last_activity: null
    });
  }
  return (
    <ul className="jp-KernelManager-hubServers" aria-label={trans.__('Servers of %1', user.name)}>
      {servers.map(server => {
        const progress = model.progress(user.name, server.name);
        const state = server.ready
          ? trans.__('ready')
          : server.pending || progress
            ? trans.__('starting %1%', String(progress?.progress ?? 0))
            : trans.__('stopped');
        const label = server.name ? server.name : trans.__('default server');
        const args = { user: user.name, server: server.name };
        return (
          <li key={server.name} data-server={server.name}>
            <span>
              {trans.__('%1: %2', label, state)}
              {server.last_activity &&
                ' · ' + trans.__('active %1', new Date(server.last_activity).toLocaleString())}
            </span>
            {progress?.message && <small>{progress.message}</small>}
            <span className="jp-KernelManager-hubActions">
              {server.ready && server.url && (
                <a
                  className="jp-KernelManager-textButton"
                  href={model.client.hubHost + server.url}
                  target="_blank"
                  rel="noopener noreferrer"
                >
                  {trans.__('Open')}
                </a>
              )}
              {canAct && !server.ready && !server.pending && !progress && (
                <button
                  className="jp-KernelManager-textButton"
                  aria-label={trans.__('Start %1 of %2', label, user.name)}
                  onClick={() => void commands.execute(CommandIDs.hubStartServer, args)}
                >
                  {trans.__('Start')}
                </button>
              )}
              {canAct && server.ready && (
                <button
                  className="jp-KernelManager-textButton jp-mod-warn"
                  aria-label={trans.__('Stop %1 of %2', label, user.name)}
                  onClick={() => void commands.execute(CommandIDs.hubStopServer, args)}
                >
                  {trans.__('Stop')}
                </button>
              )}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/**
 * Which actions the token lacks scopes for, and the config that grants them.
 */
function MissingScopes(props: { model: HubModel; trans: TranslationBundle }): JSX.Element | null {
  const { model, trans } = props;
  const wanted: Array<[HubAction, string]> = [['own-servers', trans.__('start and stop your servers')]];
  if (model.isAdmin) {
    wanted.push(
      ['list-users', trans.__('list users')],
      ['add-users', trans.__('add and delete users')],
      ['user-servers', trans.__('start and stop users’ servers')],
      ['access-servers', trans.__('see what each user runs')]
    );
  }
  const missing = wanted.filter(([action]) => !model.may(action));
  if (missing.length === 0) {
    return null;
  }
  return (
    <div className="jp-KernelManager-hubScopes" role="note">
      <p>
        {trans.__(
          'This page’s token may not %1. A hub admin grants that by adding to the hub’s configuration:',
          missing.map(([, what]) => what).join(', ')
        )}
      </p>
      <pre>{SCOPES_CONFIG}</pre>
      <p>{trans.__('Then each user restarts their server.')}</p>
    </div>
  );
}

/**
 * Admins: add users, and a page of users with their servers and usage.
 */
function AdminUsers(props: {
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, commands, trans } = props;
  const [filter, setFilter] = React.useState(model.usersQuery.nameFilter ?? '');
  React.useEffect(() => {
    // The hub filters: wait for a pause in typing before asking it.
    const timer = setTimeout(() => {
      if ((model.usersQuery.nameFilter ?? '') !== filter) {
        void model.setUsersQuery({ nameFilter: filter });
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [filter, model]);
  const page = model.usersPage;
  const query = model.usersQuery;
  return (
    <section className="jp-KernelManager-hubAdmin" aria-label={trans.__('Users')}>
      <AddUsers model={model} trans={trans} />
      <div className="jp-KernelManager-hubControls">
        <input
          type="search"
          className="jp-mod-styled"
          aria-label={trans.__('Filter users')}
          placeholder={trans.__('Filter users')}
          value={filter}
          onChange={event => setFilter(event.target.value)}
        />
        <select
          className="jp-mod-styled"
          aria-label={trans.__('Which users')}
          value={query.state ?? ''}
          onChange={event =>
            void model.setUsersQuery({ state: event.target.value as Hub.IUsersQuery['state'] })
          }
        >
          <option value="">{trans.__('All users')}</option>
          <option value="active">{trans.__('Active')}</option>
          <option value="ready">{trans.__('Running')}</option>
        </select>
        <select
          className="jp-mod-styled"
          aria-label={trans.__('Sort users')}
          value={query.sort ?? 'name'}
          onChange={event =>
            void model.setUsersQuery({ sort: event.target.value as Hub.IUsersQuery['sort'] })
          }
        >
          <option value="name">{trans.__('Name')}</option>
          <option value="-last_activity">{trans.__('Recently active')}</option>
          <option value="-created">{trans.__('Newest')}</option>
        </select>
      </div>
      {model.usersError && (
        <div className="jp-KernelManager-error" role="alert">
          {trans.__('Could not list users: %1', model.usersError)}
        </div>
      )}
      {page && (
        <>
          <table className="jp-KernelManager-hubUsers" aria-label={trans.__('Hub users')}>
            <thead>
              <tr>
                <th scope="col">{trans.__('User')}</th>
                <th scope="col">{trans.__('Server')}</th>
                <th scope="col">{trans.__('Using')}</th>
                <th scope="col">
                  <span className="jp-KernelManager-visuallyHidden">{trans.__('Actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.items.map(user => (
                <UserRow key={user.name} user={user} model={model} commands={commands} trans={trans} />
              ))}
            </tbody>
          </table>
          <div className="jp-KernelManager-hubPager">
            <span aria-live="polite">
              {page.total === 0
                ? trans.__('No users')
                : trans.__(
                    '%1–%2 of %3',
                    page.offset + 1,
                    page.offset + page.items.length,
                    page.total
                  )}
            </span>
            <button
              className="jp-KernelManager-textButton"
              disabled={page.offset === 0}
              onClick={() =>
                void model.setUsersQuery({ offset: Math.max(0, page.offset - page.limit) })
              }
            >
              {trans.__('Previous')}
            </button>
            <button
              className="jp-KernelManager-textButton"
              disabled={page.offset + page.items.length >= page.total}
              onClick={() => void model.setUsersQuery({ offset: page.offset + page.limit })}
            >
              {trans.__('Next')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function UserRow(props: {
  user: Hub.IUser;
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { user, model, commands, trans } = props;
  const usage = model.usage(user.name);
  const server = user.servers?.[''];
  const progress = model.progress(user.name, '');
  const state = server?.ready
    ? trans.__('running')
    : server?.pending || progress
      ? trans.__('starting %1%', String(progress?.progress ?? 0))
      : trans.__('stopped');
  let using = '';
  if (usage?.state === 'ok') {
    using = trans.__(
      '%1 processes, %2% CPU, %3',
      usage.count,
      usage.cpuPercent.toFixed(0),
      formatBytes(usage.rssBytes)
    );
  } else if (usage?.state === 'loading') {
    using = trans.__('asking…');
  } else if (usage?.state === 'timeout') {
    using = trans.__('no answer');
  } else if (usage?.state === 'error') {
    using = trans.__('unavailable');
  }
  const canServers = model.may('user-servers');
  return (
    <tr data-user={user.name}>
      <th scope="row">
        {user.name}
        {user.admin && <span className="jp-KernelManager-badge">{trans.__('admin')}</span>}
      </th>
      <td>{state}</td>
      <td title={usage?.message}>{using}</td>
      <td className="jp-KernelManager-hubActions">
        {canServers && !server?.ready && !server?.pending && !progress && (
          <button
            className="jp-KernelManager-textButton"
            aria-label={trans.__('Start server of %1', user.name)}
            onClick={() => void commands.execute(CommandIDs.hubStartServer, { user: user.name, server: '' })}
          >
            {trans.__('Start')}
          </button>
        )}
        {canServers && server?.ready && (
          <button
            className="jp-KernelManager-textButton"
            aria-label={trans.__('Stop server of %1', user.name)}
            onClick={() => void commands.execute(CommandIDs.hubStopServer, { user: user.name, server: '' })}
          >
            {trans.__('Stop')}
          </button>
        )}
        {model.may('delete-users') && user.name !== model.userName && (
          <button
            className="jp-KernelManager-textButton jp-mod-warn"
            aria-label={trans.__('Delete user %1', user.name)}
            onClick={() => void commands.execute(CommandIDs.hubDeleteUser, { name: user.name })}
          >
            {trans.__('Delete')}
          </button>
        )}
      </td>
    </tr>
  );
}

/**
 * A text box of names, one per line, and the result line by line.
 */
function AddUsers(props: { model: HubModel; trans: TranslationBundle }): JSX.Element | null {
  const { model, trans } = props;
  const [text, setText] = React.useState('');
  const [admin, setAdmin] = React.useState(false);
  const [busy, setBusy] = React.useState(false);
  const [result, setResult] = React.useState<IAddUsersResult | null>(null);
  if (!model.may('add-users')) {
    return null;
  }
  const submit = async () => {
    setBusy(true);
    try {
      const outcome = await model.addUsers(text, admin);
      setResult(outcome);
      if (outcome.invalid.length === 0 && !outcome.error) {
        setText('');
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="jp-KernelManager-hubAdd">
      <label htmlFor="jp-KernelManager-hubAddNames">{trans.__('Add users, one per line')}</label>
      <textarea
        id="jp-KernelManager-hubAddNames"
        className="jp-mod-styled"
        rows={3}
        value={text}
        spellCheck={false}
        onChange={event => setText(event.target.value)}
      />
      <label className="jp-KernelManager-checkbox">
        <input type="checkbox" checked={admin} onChange={event => setAdmin(event.target.checked)} />
        <span>{trans.__('Make them admins')}</span>
      </label>
      <button
        className="jp-Button jp-mod-styled jp-mod-accept"
        disabled={busy || !text.trim()}
        onClick={() => void submit()}
      >
        {trans.__('Add Users')}
      </button>
      {result && (
        <ul className="jp-KernelManager-hubResult" aria-live="polite">
          {result.created.map(name => (
            <li key={`c-${name}`}>{trans.__('%1: created', name)}</li>
          ))}
          {result.existing.map(name => (
            <li key={`e-${name}`}>{trans.__('%1: already exists, skipped', name)}</li>
          ))}
          {result.duplicates.map(name => (
            <li key={`d-${name}`}>{trans.__('%1: given more than once, added once', name)}</li>
          ))}
          {result.invalid.map(item => (
            <li key={`i-${item.line}`} className="jp-KernelManager-problem">
              {trans.__(
                'Line %1, “%2”: not a valid name (%3); nothing was added',
                item.line,
                item.text,
                item.reason === 'too-long' ? trans.__('too long') : trans.__('spaces, slashes or quotes')
              )}
            </li>
          ))}
          {result.error && <li className="jp-KernelManager-problem">{result.error}</li>}
        </ul>
      )}
    </div>
  );
}
