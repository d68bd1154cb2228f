import { Hub, HubClient } from '../api';
import { IProcessesReply } from '../../common/types';

/**
 * A stand-in for JupyterHub's REST API behind `fetch`: routes by method and
 * path, records every call, and answers 404 for anything it does not know.
 */
export class FakeHub {
  readonly calls: Array<{ method: string; url: URL; init: RequestInit }> = [];

  on(method: string, path: RegExp, handler: FakeHub.Handler): this {
    this._routes.unshift({ method, path, handler });
    return this;
  }

  /** Calls of `method` whose path matches `path`. */
  called(method: string, path: RegExp): URL[] {
    return this.calls
      .filter(call => call.method === method && path.test(call.url.pathname))
      .map(call => call.url);
  }

  readonly fetch = async (
    input: RequestInfo,
    init: RequestInit = {}
  ): Promise<Response> => {
    const url = new URL(String(input), 'http://hub.test');
    const method = init.method ?? 'GET';
    this.calls.push({ method, url, init });
    const route = this._routes.find(
      r => r.method === method && r.path.test(url.pathname)
    );
    if (!route) {
      return json(404, { status: 404, message: 'Not Found' });
    }
    return route.handler(url, init);
  };

  client(): HubClient {
    return new HubClient({
      hubPrefix: '/hub/',
      token: 'page-token',
      fetch: this.fetch
    });
  }

  private _routes: Array<{
    method: string;
    path: RegExp;
    handler: FakeHub.Handler;
  }> = [];
}

export namespace FakeHub {
  export type Handler = (
    url: URL,
    init: RequestInit
  ) => Response | Promise<Response>;
}

export function json(
  status: number,
  body: unknown,
  headers?: Record<string, string>
): Response {
  return new Response(JSON.stringify(body), { status, headers });
}

export function empty(status: number): Response {
  return new Response(null, { status });
}

/**
 * An answer that never comes: rejects only when the request is aborted, as
 * a request to a stopped (SIGSTOP) server behaves.
 */
export function hanging(init: RequestInit): Promise<Response> {
  return new Promise((_, reject) => {
    init.signal?.addEventListener('abort', () =>
      reject(new DOMException('The operation was aborted.', 'AbortError'))
    );
  });
}

/** An answer after `ms`, unless aborted first. */
export function after(
  ms: number,
  init: RequestInit,
  answer: () => Response
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(answer()), ms);
    init.signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('The operation was aborted.', 'AbortError'));
    });
  });
}

export const ADMIN_SCOPES = [
  'list:users',
  'read:users',
  'admin:users',
  'servers',
  'access:servers'
];

export function server(
  name: string,
  state: Partial<Hub.IServer> = {}
): Hub.IServer {
  return {
    name,
    ready: true,
    pending: null,
    stopped: false,
    url: '',
    progress_url: '',
    started: null,
    last_activity: null,
    ...state
  };
}

/** A hub user; `running` names their ready servers ('' is the default one). */
export function user(
  name: string,
  running: string[] = [],
  extra: Partial<Hub.IUser> = {}
): Hub.IUser {
  const servers: { [name: string]: Hub.IServer } = {};
  for (const serverName of running) {
    servers[serverName] = server(serverName, {
      url: serverName ? `/user/${name}/${serverName}/` : `/user/${name}/`
    });
  }
  return { name, admin: false, servers, ...extra };
}

/** The processes reply of one server with these totals. */
export function processes(
  count: number,
  rss = 1024 * 1024,
  extra: Partial<IProcessesReply> = {}
): IProcessesReply {
  return {
    timestamp: 0,
    user: 'jupyter-x',
    server_pid: 1,
    is_admin: false,
    processes: [],
    totals: { count, cpu_percent: count, rss_bytes: rss, uss_bytes: null },
    limits: {
      memory_bytes: null,
      memory_source: 'machine',
      cpu_cores: null,
      cpu_source: 'machine'
    },
    machine: { memory_bytes: 8e9, cpu_count: 2 },
    ...extra
  } as IProcessesReply;
}

/** Resolves after the pending promise callbacks and timers of `ms`. */
export function tick(ms = 0): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
