import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { Hub, HubClient } from './api';
import { IProcessesReply } from '../common/types';
import { withTimeout } from '../common/async';
import { fanOut, IRunningServer } from './usageFanOut';
import { IServerUsage, IUserUsage, loading, summarise } from './usageFigures';

export type { IServerUsage, IUserUsage, UsageState } from './usageFigures';

/**
 * Milliseconds before a server that has not answered is marked as not
 * responding and its turn passes on: healthy servers answered within 0.42 s
 * under load in `bench/run.sh hub`, and one marked wrongly is asked again with the
 * longer time-out.
 */
const DEFAULT_DEADLINE_MS = 700;

/**
 * A command line of a JupyterHub single-user server (as spawners start it).
 */
const SINGLE_USER =
  /(^|[\s/])(jupyterhub[-.]singleuser|jupyter-labhub|batchspawner-singleuser)(\s|$)/;

/**
 * What each user of a page of hub users runs.
 *
 * On one machine (TLJH) the admin's own server lists every Unix account's
 * processes, and names the hub user of each (`hub_unix_user_template`): one
 * request covers everybody there. Users not found there (their servers run
 * elsewhere, e.g. a pod each on Kubernetes) are asked server by server
 * through the hub's proxy, a few at a time (see `fanOut`: one that has not
 * answered by `deadline` is shown as not responding and asked again later
 * with `timeout`).
 */
export class HubUsage implements IDisposable {
  constructor(options: HubUsage.IOptions) {
    this._client = options.client;
    this._local = options.localProcesses ?? null;
    this._concurrency = options.concurrency ?? 4;
    this.deadline = options.deadline ?? DEFAULT_DEADLINE_MS;
    this.timeout = options.timeout ?? 5000;
  }

  /** Milliseconds a server gets before it is marked as not responding. */
  deadline: number;

  /** Milliseconds a late server gets when asked again. */
  timeout: number;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Whether the servers of several hub users run as the admin's own Unix
   * account, so that no per-account view tells them apart: every figure is
   * then that account's total.
   */
  get sharedAccount(): boolean {
    return this._shared;
  }

  /** The user's figures, summed over their servers that answered so far. */
  usage(user: string): IUserUsage | undefined {
    const machine = this._machine.get(user);
    if (machine) {
      return machine;
    }
    const servers = this._servers.get(user);
    if (!servers || servers.size === 0) {
      return undefined;
    }
    return summarise([...servers.values()]);
  }

  /** One server's figures, when they were asked of that server. */
  serverUsage(user: string, server: string): IServerUsage | undefined {
    return this._servers.get(user)?.get(server);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Ask again for `users`; a run still going for an earlier page is
   * abandoned. `owner` is the user whose server this page belongs to and
   * `ownServers` how many servers they have running; with `machine`, that
   * server's all-users view is tried first (admins only); without `fanOut`
   * (default true) no server is asked through the proxy.
   */
  async update(
    users: ReadonlyArray<Hub.IUser>,
    options: {
      owner: string;
      ownServers: number;
      machine: boolean;
      fanOut?: boolean;
    }
  ): Promise<void> {
    this._run?.abort();
    const run = new AbortController();
    this._run = run;
    // Figures of servers still running stay until new ones replace them (no
    // flicker on every refresh); those of stopped servers go at once.
    const machine = this._machine;
    const servers = this._servers;
    this._machine = new Map();
    this._servers = new Map();
    const running: IRunningServer[] = [];
    for (const user of users) {
      for (const server of Object.values(user.servers ?? {})) {
        if (server.ready && server.url) {
          running.push({
            user: user.name,
            server: server.name,
            url: server.url
          });
          this._setServer(
            user.name,
            server.name,
            servers.get(user.name)?.get(server.name) ?? loading()
          );
          const known = machine.get(user.name);
          if (known) {
            this._machine.set(user.name, known);
          }
        }
      }
    }
    this._changed.emit();
    let remaining = running;
    if (options.machine && this._local) {
      const covered = await this._fromMachine(users, options, run.signal);
      if (run.signal.aborted) {
        return;
      }
      remaining = running.filter(ref => !covered.has(ref.user));
      for (const user of covered) {
        this._servers.delete(user);
      }
    }
    if (options.fanOut === false) {
      for (const ref of remaining) {
        this._servers.delete(ref.user);
      }
      remaining = [];
    }
    this._changed.emit();
    await fanOut(remaining, {
      client: this._client,
      concurrency: this._concurrency,
      deadline: this.deadline,
      timeout: this.timeout,
      signal: run.signal,
      onUsage: (server, usage) => this._update(server, usage)
    });
  }

  /** Stop asking (the page changed, or the section is going away). */
  cancel(): void {
    this._run?.abort();
    this._run = null;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.cancel();
    Signal.clearData(this);
  }

  /**
   * The users of `users` whose figures the all-users view of this machine
   * gives; none when it cannot tell users apart or cannot be had.
   */
  private async _fromMachine(
    users: ReadonlyArray<Hub.IUser>,
    { owner, ownServers }: { owner: string; ownServers: number },
    signal: AbortSignal
  ): Promise<Set<string>> {
    const covered = new Set<string>();
    let reply: IProcessesReply;
    try {
      reply = await withTimeout(this._local!(), this.timeout);
    } catch (error) {
      console.warn(
        'Kernel manager: no all-users view, asking each server',
        error
      );
      if (!signal.aborted) {
        this._machine = new Map();
      }
      return covered;
    }
    if (signal.aborted) {
      return covered;
    }
    const machine = new Map<string, IUserUsage>();
    this._machine = machine;
    // More single-user servers in this account than its owner has: other
    // users' servers run as this account too (one Unix user for all).
    const here = reply.processes.filter(
      p => p.kind === 'server' || SINGLE_USER.test(p.cmdline.join(' '))
    ).length;
    this._shared = here > Math.max(1, ownServers);
    if (this._shared) {
      return covered;
    }
    const byHubUser = new Map<string, Hub.IAccountProcesses>();
    for (const group of (reply.users ?? []) as Hub.IAccountProcesses[]) {
      if (group.hub_user) {
        byHubUser.set(group.hub_user, group);
      }
    }
    for (const user of users) {
      // Figures of running servers only: an account's leftovers are the
      // Processes section's business.
      if (!Object.values(user.servers ?? {}).some(server => server.ready)) {
        continue;
      }
      const totals =
        user.name === owner
          ? {
              count: reply.totals.count,
              cpu_percent: reply.totals.cpu_percent,
              rss_bytes: reply.totals.rss_bytes
            }
          : byHubUser.get(user.name);
      if (!totals) {
        continue;
      }
      covered.add(user.name);
      machine.set(user.name, {
        state: 'ok',
        count: totals.count,
        cpuPercent: totals.cpu_percent,
        rssBytes: totals.rss_bytes,
        source: 'machine',
        servers: 0,
        answered: 0
      });
    }
    return covered;
  }

  private _update(ref: IRunningServer, usage: IServerUsage): void {
    if (this._isDisposed || !this._servers.has(ref.user)) {
      return;
    }
    this._setServer(ref.user, ref.server, usage);
    this._changed.emit();
  }

  private _setServer(user: string, server: string, usage: IServerUsage): void {
    let servers = this._servers.get(user);
    if (!servers) {
      servers = new Map();
      this._servers.set(user, servers);
    }
    servers.set(server, usage);
  }

  private _client: HubClient;
  private _local: (() => Promise<IProcessesReply>) | null;
  private _concurrency: number;
  private _run: AbortController | null = null;
  private _machine = new Map<string, IUserUsage>();
  private _servers = new Map<string, Map<string, IServerUsage>>();
  private _shared = false;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace HubUsage {
  export interface IOptions {
    client: HubClient;
    /** This page's server's all-users process list (`?all_users=1`). */
    localProcesses?: () => Promise<IProcessesReply>;
    /** Servers asked at once (default 4). */
    concurrency?: number;
    /** Milliseconds before a server is marked as not responding (default 700). */
    deadline?: number;
    /** Milliseconds a late server gets when asked again (default 5000). */
    timeout?: number;
  }
}
