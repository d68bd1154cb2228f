import { Hub, HubClient, HubError } from './api';
import { describeError } from '../common/format';
import { mapLimited } from '../common/async';

/** The hub's largest page, which bulk actions read users with. */
const MAX_PAGE = 200;

/** Tries of one server the hub keeps answering 429. */
const MAX_THROTTLED = 20;

/**
 * One server of one user; `server` is '' for the default one.
 */
export interface IServerRef {
  user: string;
  server: string;
}

/**
 * Where a "start all" or "stop all" is, and how it ended.
 */
export interface IBulkProgress {
  action: 'start' | 'stop';
  total: number;
  /** Finished, successfully or not. */
  done: number;
  succeeded: IServerRef[];
  failed: Array<IServerRef & { message: string }>;
  /** Never sent because the run was cancelled. */
  skipped: IServerRef[];
  /** Waiting because the hub answered 429 (too many spawns at once). */
  throttled: boolean;
}

/**
 * The servers "start all" or "stop all" acts on, over every page of users
 * matching `nameFilter`: for "start", the default servers of users with no
 * server running; for "stop", every running or starting server but `own`.
 */
export async function bulkTargets(
  client: HubClient,
  action: 'start' | 'stop',
  options: { nameFilter?: string; own: IServerRef }
): Promise<IServerRef[]> {
  const targets: IServerRef[] = [];
  const query: Hub.IUsersQuery = {
    offset: 0,
    limit: MAX_PAGE,
    nameFilter: options.nameFilter,
    sort: 'name',
    state: action === 'stop' ? 'active' : 'inactive'
  };
  for (let offset = 0; ; offset += MAX_PAGE) {
    const page = await client.users({ ...query, offset });
    for (const user of page.items) {
      const servers = user.servers ?? {};
      if (action === 'start') {
        const server = servers[''];
        if (!server || (!server.ready && !server.pending)) {
          targets.push({ user: user.name, server: '' });
        }
        continue;
      }
      for (const server of Object.values(servers)) {
        const own =
          user.name === options.own.user && server.name === options.own.server;
        if (!own && !server.stopped && server.pending !== 'stop') {
          targets.push({ user: user.name, server: server.name });
        }
      }
    }
    if (page.items.length === 0 || offset + page.items.length >= page.total) {
      return targets;
    }
  }
}

/**
 * Start or stop `targets`, at most `limit` at a time (a start holds its slot
 * until `follow` sees its spawn end, as the hub counts pending spawns); a 429
 * is met by waiting as long as the hub asks (`Retry-After`) and trying again.
 * `onProgress` gets every step; aborting `signal` sends nothing more and stops
 * waiting (spawns already asked for carry on in the hub).
 */
export async function runBulk(
  targets: ReadonlyArray<IServerRef>,
  action: 'start' | 'stop',
  options: {
    client: HubClient;
    limit: number;
    follow: (target: IServerRef, signal?: AbortSignal) => Promise<void>;
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    signal?: AbortSignal;
    onProgress: (progress: IBulkProgress) => void;
  }
): Promise<IBulkProgress> {
  const { client, signal } = options;
  const progress: IBulkProgress = {
    action,
    total: targets.length,
    done: 0,
    succeeded: [],
    failed: [],
    skipped: [],
    throttled: false
  };
  const report = () => options.onProgress({ ...progress });
  let waiting = 0;
  report();
  await mapLimited(targets, options.limit, async target => {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) {
        progress.skipped.push(target);
        return;
      }
      try {
        if (action === 'start') {
          await client.startServer(target.user, target.server);
          await options.follow(target, signal);
        } else {
          await client.stopServer(target.user, target.server);
        }
        progress.succeeded.push(target);
      } catch (error) {
        if (
          error instanceof HubError &&
          error.status === 429 &&
          attempt < MAX_THROTTLED
        ) {
          waiting++;
          progress.throttled = true;
          report();
          const seconds = error.retryAfter ?? Math.min(30, 2 ** attempt);
          await options.sleep(seconds * 1000, signal);
          waiting--;
          progress.throttled = waiting > 0;
          continue;
        }
        progress.failed.push({ ...target, message: describeError(error) });
      }
      progress.done++;
      report();
      return;
    }
  });
  return progress;
}
