import { Time } from '@jupyterlab/coreutils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { Hub } from './api';
import { CommandIDs } from '../common/commandIds';
import { HubModel } from './model';
import { checkServerName, describeNameProblem } from './names';

/**
 * A user's servers, the default one first, each with its state, last
 * activity, spawn progress while it starts, and open, start, stop (and, for
 * named ones, delete).
 */
export function HubServerList(props: {
  user: Hub.IUser;
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** The page's own user: acts with the user's own scopes. */
  own?: boolean;
}): JSX.Element {
  const { user, model, commands, trans } = props;
  const canAct = model.may(props.own ? 'own-servers' : 'user-servers');
  const servers = serversOf(user, model.starting(user.name));
  return (
    <ul
      className="jp-KernelManager-hubServers"
      aria-label={trans.__('Servers of %1', user.name)}
    >
      {servers.map(server => (
        <ServerItem
          key={server.name}
          user={user.name}
          server={server}
          canAct={canAct}
          model={model}
          commands={commands}
          trans={trans}
        />
      ))}
    </ul>
  );
}

function ServerItem(props: {
  user: string;
  server: Hub.IServer;
  canAct: boolean;
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { user, server, canAct, model, commands, trans } = props;
  const progress = model.progress(user, server.name);
  const label = server.name ? server.name : trans.__('default server');
  const args = { user, server: server.name };
  const starting = !server.ready && (server.pending === 'spawn' || !!progress);
  const stopping = server.pending === 'stop';
  let state = trans.__('stopped');
  let mod = 'jp-mod-stopped';
  if (server.ready) {
    state = trans.__('ready');
    mod = 'jp-mod-ready';
  } else if (stopping) {
    state = trans.__('stopping');
    mod = 'jp-mod-pending';
  } else if (starting) {
    state = trans.__('starting %1%', String(progress?.progress ?? 0));
    mod = 'jp-mod-pending';
  }
  const ownPage = user === model.userName && server.name === model.serverName;
  return (
    <li data-server={server.name} className="jp-KernelManager-hubServer">
      <div className="jp-KernelManager-hubServerHead">
        <span className="jp-KernelManager-hubServerName">{label}</span>
        <span className={`jp-KernelManager-hubState ${mod}`}>{state}</span>
      </div>
      {server.last_activity && (
        <small title={new Date(server.last_activity).toLocaleString()}>
          {trans.__('active %1', Time.formatHuman(server.last_activity))}
        </small>
      )}
      {starting && (
        <div className="jp-KernelManager-hubProgress">
          <progress
            max={100}
            value={progress?.progress ?? 0}
            aria-label={trans.__('Start progress of %1 of %2', label, user)}
          />
          {progress?.message && (
            <small aria-live="polite">{progress.message}</small>
          )}
        </div>
      )}
      <span className="jp-KernelManager-hubActions">
        {server.ready && server.url && (
          <a
            className="jp-KernelManager-textButton"
            href={model.client.hubHost + server.url}
            target="_blank"
            rel="noopener noreferrer"
            aria-label={trans.__('Open %1 of %2', label, user)}
          >
            {trans.__('Open')}
          </a>
        )}
        {canAct && !server.ready && !server.pending && !progress && (
          <button
            className="jp-KernelManager-textButton"
            aria-label={trans.__('Start %1 of %2', label, user)}
            onClick={() =>
              void commands.execute(CommandIDs.hubStartServer, args)
            }
          >
            {trans.__('Start')}
          </button>
        )}
        {canAct && server.ready && (
          <button
            className="jp-KernelManager-textButton jp-mod-warn"
            aria-label={trans.__('Stop %1 of %2', label, user)}
            onClick={() =>
              void commands.execute(CommandIDs.hubStopServer, args)
            }
          >
            {trans.__('Stop')}
          </button>
        )}
        {canAct && server.name && !ownPage && !server.pending && !starting && (
          <button
            className="jp-KernelManager-textButton jp-mod-warn"
            aria-label={trans.__('Delete %1 of %2', label, user)}
            onClick={() =>
              void commands.execute(CommandIDs.hubDeleteServer, args)
            }
          >
            {trans.__('Delete')}
          </button>
        )}
      </span>
    </li>
  );
}

/**
 * A name box and a button that creates and starts a named server; the name
 * is checked as the hub checks it before anything is sent.
 */
export function HubNewServerForm(props: {
  user: string;
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { user, model, commands, trans } = props;
  const [name, setName] = React.useState('');
  const [problem, setProblem] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const id = `jp-KernelManager-hubNewServer-${user}`;
  if (model.namedServers === 'disabled') {
    return (
      <p className="jp-KernelManager-hubNote">
        {trans.__('This hub does not allow named servers.')}
      </p>
    );
  }
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const wanted = name.trim();
    const reason = checkServerName(wanted, model.client.version);
    if (reason) {
      setProblem(describeNameProblem(reason, trans));
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      await commands.execute(CommandIDs.hubNewServer, { user, server: wanted });
      setName('');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="jp-KernelManager-hubNewServer"
      onSubmit={event => void submit(event)}
    >
      <label htmlFor={id}>{trans.__('New named server for %1', user)}</label>
      <div className="jp-KernelManager-hubInline">
        <input
          id={id}
          className="jp-mod-styled"
          value={name}
          placeholder={trans.__('server name')}
          spellCheck={false}
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onChange={event => {
            setName(event.target.value);
            setProblem(null);
          }}
        />
        <button
          type="submit"
          className="jp-KernelManager-textButton"
          disabled={busy || !name.trim()}
        >
          {trans.__('Create and Start')}
        </button>
      </div>
      {problem && (
        <p
          id={`${id}-problem`}
          className="jp-KernelManager-problem"
          role="alert"
        >
          {problem}
        </p>
      )}
    </form>
  );
}

/**
 * The default server and then the named ones by name, with placeholders for
 * the default one when the hub lists none and for servers being started
 * that the hub has not listed yet.
 */
function serversOf(user: Hub.IUser, starting: string[]): Hub.IServer[] {
  const servers = Object.values(user.servers ?? {});
  for (const name of ['', ...starting]) {
    if (!servers.some(server => server.name === name)) {
      servers.push({
        name,
        ready: false,
        pending: null,
        url: '',
        progress_url: '',
        started: null,
        last_activity: null
      });
    }
  }
  return servers.sort((a, b) => a.name.localeCompare(b.name));
}
