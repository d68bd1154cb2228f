/**
 * Where a figure is: asked, known, late (past the deadline, asked again with
 * the longer timeout), given up on, or refused.
 */
export type UsageState = 'loading' | 'ok' | 'slow' | 'timeout' | 'error';

/**
 * What one server (or Unix account) runs, or why it is unknown.
 */
export interface IServerUsage {
  state: UsageState;
  count: number;
  cpuPercent: number;
  rssBytes: number;
  message?: string;
}

/**
 * What one user runs, summed over the servers that answered so far.
 */
export interface IUserUsage extends IServerUsage {
  /**
   * `machine`: from one all-users scan of this machine by Unix account;
   * `servers`: each running server asked through the hub's proxy.
   */
  source: 'machine' | 'servers';
  /** Servers asked, and how many of them answered. */
  servers: number;
  answered: number;
}

/** A figure asked for and not known yet. */
export function loading(): IServerUsage {
  return { state: 'loading', count: 0, cpuPercent: 0, rssBytes: 0 };
}

/**
 * A user's servers as one figure: the sums of those that answered, and the
 * state of the least settled one.
 */
export function summarise(servers: IServerUsage[]): IUserUsage {
  const answered = servers.filter(server => server.state === 'ok');
  const order: UsageState[] = ['loading', 'slow', 'timeout', 'error', 'ok'];
  const state =
    order.find(s => servers.some(server => server.state === s)) ?? 'ok';
  return {
    state,
    count: answered.reduce((sum, server) => sum + server.count, 0),
    cpuPercent: answered.reduce((sum, server) => sum + server.cpuPercent, 0),
    rssBytes: answered.reduce((sum, server) => sum + server.rssBytes, 0),
    message: servers.find(server => server.message)?.message,
    source: 'servers',
    servers: servers.length,
    answered: answered.length
  };
}
