import { ServerConnection } from '@jupyterlab/services';
import { Hub } from '../api';
import { IProcessesReply } from '../../common/types';
import { HubModel } from '../model';
import { ADMIN_SCOPES, FakeHub, json, processes, tick, user } from './hubFake';

/**
 * HubModels of an admin on a fake hub, shared by the specs of the model's
 * parts (users page, servers, start and stop all, refresh).
 */

/** A model of `admin` on a fake hub whose all-users view lists nobody else. */
export function modelOf(
  hub: FakeHub,
  options: Partial<Omit<HubModel.IOptions, 'serverSettings'>> = {}
): HubModel {
  return new HubModel({
    serverSettings: ServerConnection.makeSettings(),
    client: hub.client(),
    user: 'admin',
    server: '',
    localProcesses: () => Promise.resolve(processes(1)),
    ...options
  });
}

export function pageOf(
  items: ReturnType<typeof user>[],
  offset = 0,
  total = items.length
) {
  return json(200, {
    items,
    _pagination: { offset, limit: 50, total, next: null }
  });
}

/** The hub of an admin on their own default server. */
export function adminHub(): FakeHub {
  return new FakeHub()
    .on('GET', /^\/hub\/api\/user$/, () =>
      json(200, { ...user('admin', ['']), admin: true, scopes: ADMIN_SCOPES })
    )
    .on('GET', /^\/hub\/api\/users\/admin$/, () =>
      json(200, { ...user('admin', ['']), admin: true })
    );
}

/** An admin's hub whose users are whatever `users()` says at the time. */
export function adminHubListing(
  users: () => ReturnType<typeof user>[]
): FakeHub {
  return new FakeHub()
    .on('GET', /^\/hub\/api\/user$/, () =>
      json(200, { ...user('admin', ['']), admin: true, scopes: ADMIN_SCOPES })
    )
    .on('GET', /^\/hub\/api\/users$/, () => pageOf(users()));
}

/**
 * The admin's all-users view, as on TLJH: every hub user's Unix account
 * with what it runs (`alice` with `aliceCount()` processes).
 */
export function machine(
  aliceCount: () => number
): () => Promise<IProcessesReply> {
  return () =>
    Promise.resolve(
      processes(1, 1024 * 1024, {
        users: [account('jupyter-alice', 'alice', aliceCount())]
      })
    );
}

function account(
  name: string,
  hubUser: string,
  count: number
): Hub.IAccountProcesses {
  return {
    user: name,
    hub_user: hubUser,
    count,
    cpu_percent: 7,
    rss_bytes: 52e6,
    processes: []
  };
}

/** Waits until `condition` holds, for `ms` at most. */
export async function until(
  condition: () => boolean,
  ms = 3000
): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) {
      throw new Error(`still false after ${ms} ms: ${condition}`);
    }
    await tick(10);
  }
}
