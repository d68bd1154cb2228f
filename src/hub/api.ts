import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { API_NAMESPACE, requestAPI } from '../common/request';
import { IProcessesReply, IUserProcesses } from '../common/types';

/**
 * This page's own server's processes of every user (an admin's view): what
 * the Hub section shows for the server it runs in, without asking the hub.
 */
export function listServerProcesses(
  serverSettings: ServerConnection.ISettings
): Promise<IProcessesReply> {
  return requestAPI<IProcessesReply>(
    'processes?all_users=1',
    { method: 'GET' },
    serverSettings
  );
}

/**
 * A JupyterHub REST API client for the page's own token.
 *
 * `ServerConnection.makeRequest` only talks to the Jupyter server, so this
 * is the one place besides it that calls `fetch`: token-authenticated hub
 * requests need no XSRF, and cookies are not sent (the hub answers 403 to
 * cookie-only API calls).
 */
export class HubClient {
  constructor(options: HubClient.IOptions) {
    this.hubPrefix = options.hubPrefix.endsWith('/')
      ? options.hubPrefix
      : `${options.hubPrefix}/`;
    this.hubHost = options.hubHost ?? '';
    this._token = options.token;
    this._fetch = options.fetch ?? ((input, init) => window.fetch(input, init));
  }

  /** The hub's release, from its last answer (`X-JupyterHub-Version`), or null. */
  version: string | null = null;

  /** The hub's URL prefix, e.g. `/hub/`. */
  readonly hubPrefix: string;

  /** Scheme and host of the hub when it differs from the page's, else ''. */
  readonly hubHost: string;

  /**
   * URL of a hub API path, e.g. `users/alice`.
   */
  apiUrl(path: string): string {
    return this.hubHost + URLExt.join(this.hubPrefix, 'api', path);
  }

  /**
   * URL of a hub page, e.g. `home`.
   */
  pageUrl(path: string): string {
    return this.hubHost + URLExt.join(this.hubPrefix, path);
  }

  /**
   * The token's user, with the scopes the token holds; with
   * `includeStopped`, stopped named servers are listed too.
   */
  user(includeStopped = false): Promise<Hub.IUser> {
    return this.request<Hub.IUser>(withStopped('user', includeStopped));
  }

  userModel(name: string, includeStopped = false): Promise<Hub.IUser> {
    return this.request<Hub.IUser>(
      withStopped(`users/${encodeURIComponent(name)}`, includeStopped)
    );
  }

  /**
   * One page of users, filtered and sorted by the hub.
   */
  async users(query: Hub.IUsersQuery): Promise<Hub.IUsersPage> {
    const params = new URLSearchParams({
      offset: String(query.offset),
      limit: String(query.limit)
    });
    if (query.nameFilter) {
      params.set('name_filter', query.nameFilter);
    }
    if (query.sort) {
      params.set('sort', query.sort);
    }
    if (query.state) {
      params.set('state', query.state);
    }
    const reply = await this.request<{
      items: Hub.IUser[];
      _pagination: { offset: number; limit: number; total: number };
    }>(`users?${params.toString()}`, {
      headers: { Accept: 'application/jupyterhub-pagination+json' }
    });
    return {
      items: reply.items,
      offset: reply._pagination.offset,
      limit: reply._pagination.limit,
      total: reply._pagination.total
    };
  }

  /**
   * Create users; the hub skips names that exist (and answers 409 when all
   * exist).
   */
  createUsers(usernames: string[], admin: boolean): Promise<Hub.IUser[]> {
    return this.request<Hub.IUser[]>('users', {
      method: 'POST',
      body: JSON.stringify({ usernames, admin })
    });
  }

  async deleteUser(name: string): Promise<void> {
    await this.request<void>(`users/${encodeURIComponent(name)}`, {
      method: 'DELETE'
    });
  }

  async startServer(user: string, server = ''): Promise<void> {
    await this.request<void>(serverPath(user, server), { method: 'POST' });
  }

  async stopServer(user: string, server = ''): Promise<void> {
    await this.request<void>(serverPath(user, server), { method: 'DELETE' });
  }

  /**
   * Stop a named server and forget it (the hub keeps stopped named servers
   * otherwise).
   */
  async deleteServer(user: string, server: string): Promise<void> {
    await this.request<void>(serverPath(user, server), {
      method: 'DELETE',
      body: JSON.stringify({ remove: true })
    });
  }

  /**
   * Follow a server's spawn progress (the hub's event stream) until it ends
   * or `signal` aborts; `onEvent` gets each event.
   */
  async progress(
    user: string,
    server: string,
    onEvent: (event: Hub.IProgressEvent) => void,
    signal?: AbortSignal
  ): Promise<void> {
    const response = await this._send(
      this.apiUrl(`${serverPath(user, server)}/progress`),
      { headers: { Accept: 'text/event-stream' }, signal }
    );
    const reader = response.body?.getReader();
    if (!reader) {
      return;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const chunk = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = chunk
          .split('\n')
          .filter(line => line.startsWith('data:'))
          .map(line => line.slice(5).trim())
          .join('\n');
        if (data) {
          onEvent(JSON.parse(data) as Hub.IProgressEvent);
        }
      }
    }
  }

  /**
   * A user's server's own process listing, through the hub's proxy (needs
   * the `access:servers` scope for that server).
   */
  serverProcesses(
    serverUrl: string,
    signal?: AbortSignal
  ): Promise<IProcessesReply> {
    const url =
      this.hubHost + URLExt.join(serverUrl, API_NAMESPACE, 'processes');
    return this._json<IProcessesReply>(url, { signal });
  }

  /**
   * A hub API call; throws `HubError` with the hub's message.
   */
  request<T>(path: string, init: RequestInit = {}): Promise<T> {
    return this._json<T>(this.apiUrl(path), init);
  }

  private async _json<T>(url: string, init: RequestInit): Promise<T> {
    const response = await this._send(url, init);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async _send(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `token ${this._token}`);
    if (init.body && !headers.has('Content-Type')) {
      headers.set('Content-Type', 'application/json');
    }
    let response: Response;
    try {
      response = await this._fetch(url, {
        ...init,
        headers,
        credentials: 'omit',
        cache: 'no-store'
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') {
        throw error;
      }
      throw new HubError(
        0,
        `The hub cannot be reached: ${(error as Error).message}`
      );
    }
    // Every hub answer names its release; some rules (server names) differ.
    const version = response.headers.get('X-JupyterHub-Version');
    if (version) {
      this.version = version;
    }
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`.trim();
      try {
        const data = await response.json();
        if (data && typeof data.message === 'string') {
          message = data.message;
        }
      } catch {
        // Not JSON: keep the status line.
      }
      const retryAfter = Number(response.headers.get('Retry-After'));
      throw new HubError(
        response.status,
        message,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined
      );
    }
    return response;
  }

  private _token: string;
  private _fetch: (input: RequestInfo, init?: RequestInit) => Promise<Response>;
}

/**
 * An error answered by the hub, or 0 when it could not be reached.
 */
export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds to wait before trying again, from a 429's `Retry-After`. */
    readonly retryAfter?: number
  ) {
    super(message);
    this.name = 'HubError';
  }
}

function withStopped(path: string, includeStopped: boolean): string {
  return includeStopped ? `${path}?include_stopped_servers=1` : path;
}

function serverPath(user: string, server: string): string {
  const base = `users/${encodeURIComponent(user)}`;
  return server
    ? `${base}/servers/${encodeURIComponent(server)}`
    : `${base}/server`;
}

export namespace HubClient {
  export interface IOptions {
    hubPrefix: string;
    hubHost?: string;
    token: string;
    /** Injected in tests. */
    fetch?: (input: RequestInfo, init?: RequestInit) => Promise<Response>;
  }
}

/**
 * JupyterHub's REST models, as much of them as we use.
 */
export namespace Hub {
  export interface IServer {
    /** '' for the default server. */
    name: string;
    ready: boolean;
    pending: string | null;
    stopped?: boolean;
    url: string;
    progress_url: string;
    started: string | null;
    last_activity: string | null;
  }

  export interface IUser {
    kind?: string;
    name: string;
    admin: boolean;
    groups?: string[];
    server?: string | null;
    pending?: string | null;
    last_activity?: string | null;
    created?: string;
    servers?: { [name: string]: IServer };
    /** Only for `GET /user`: what the token may do. */
    scopes?: string[];
  }

  export interface IUsersQuery {
    offset: number;
    limit: number;
    nameFilter?: string;
    /** What JupyterHub accepts (`-id`: newest first, ids grow with creation). */
    sort?: 'name' | '-name' | 'last_activity' | '-last_activity' | 'id' | '-id';
    state?: '' | 'active' | 'inactive' | 'ready';
  }

  export interface IUsersPage {
    items: IUser[];
    offset: number;
    limit: number;
    total: number;
  }

  /**
   * One Unix account's processes in an admin's all-users view, with the hub
   * user whose server runs as that account (per the server's
   * `hub_unix_user_template`), when it fits.
   */
  export type IAccountProcesses = IUserProcesses;

  export interface IProgressEvent {
    progress?: number;
    message?: string;
    ready?: boolean;
    failed?: boolean;
    html_message?: string;
    url?: string;
  }
}
