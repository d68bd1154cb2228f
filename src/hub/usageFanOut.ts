import { HubClient } from './api';
import { describeError } from '../common/format';
import { mapLimited } from '../common/async';
import { IServerUsage, loading } from './usageFigures';

/**
 * A running server of a hub user, and where the hub's proxy serves it.
 */
export interface IRunningServer {
  user: string;
  server: string;
  url: string;
}

/**
 * Ask each of `servers` what it runs through the hub's proxy,
 * `concurrency` at a time, and hand each figure to `onUsage` as it arrives.
 * A server that has not answered by `deadline` ms is marked 'slow' and its
 * slot goes to the next one, so a stopped server costs `deadline`, not
 * `timeout`; once the others are done the late ones are asked again with
 * `timeout`, and a figure that then arrives replaces the mark. Nothing more
 * is reported once `signal` aborts.
 */
export async function fanOut(
  servers: ReadonlyArray<IRunningServer>,
  options: {
    client: HubClient;
    concurrency: number;
    deadline: number;
    timeout: number;
    signal: AbortSignal;
    onUsage: (server: IRunningServer, usage: IServerUsage) => void;
  }
): Promise<void> {
  const { deadline, timeout, onUsage } = options;
  const late: IRunningServer[] = [];
  await mapLimited(servers, options.concurrency, async server => {
    if ((await ask(server, deadline, options)) === 'late') {
      late.push(server);
      onUsage(server, { ...loading(), state: 'slow' });
    }
  });
  // A second chance, fewer at a time so that late servers never hold
  // every browser connection to the hub's host.
  await mapLimited(late, 2, async server => {
    if ((await ask(server, timeout, options)) === 'late') {
      onUsage(server, { ...loading(), state: 'timeout' });
    }
  });
}

/**
 * One server's processes within `limit` ms; the figure or error is
 * reported here, 'late' is left to the caller.
 */
async function ask(
  ref: IRunningServer,
  limit: number,
  options: {
    client: HubClient;
    signal: AbortSignal;
    onUsage: (server: IRunningServer, usage: IServerUsage) => void;
  }
): Promise<'done' | 'late' | 'abandoned'> {
  const { signal, onUsage } = options;
  if (signal.aborted) {
    return 'abandoned';
  }
  const controller = new AbortController();
  const abandon = () => controller.abort();
  signal.addEventListener('abort', abandon);
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    controller.abort();
  }, limit);
  try {
    const reply = await options.client.serverProcesses(
      ref.url,
      controller.signal
    );
    if (signal.aborted) {
      return 'abandoned';
    }
    onUsage(ref, {
      state: 'ok',
      count: reply.totals.count,
      cpuPercent: reply.totals.cpu_percent,
      rssBytes: reply.totals.rss_bytes
    });
    return 'done';
  } catch (error) {
    if (signal.aborted) {
      return 'abandoned';
    }
    if (late) {
      return 'late';
    }
    onUsage(ref, {
      ...loading(),
      state: 'error',
      message: describeError(error)
    });
    return 'done';
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abandon);
  }
}
