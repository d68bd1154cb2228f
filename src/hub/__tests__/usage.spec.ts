import { IProcessInfo } from '../../common/types';
import { HubUsage } from '../usage';
import { after, FakeHub, hanging, json, processes, user } from './hubFake';

const PROCESSES = /^\/user\/([^/]+)\/(?:([^/]+)\/)?kernel-manager\/processes$/;

/**
 * A hub whose users' servers answer their process list after `ms` (by
 * user name), or never for the users in `stopped`.
 */
function serversHub(options: {
  ms?: (name: string) => number;
  stopped?: string[];
}): FakeHub {
  return new FakeHub().on('GET', PROCESSES, (url, init) => {
    const name = PROCESSES.exec(url.pathname)![1];
    if (options.stopped?.includes(name)) {
      return hanging(init);
    }
    const count = Number(name.replace(/\D/g, '')) || 1;
    return after(options.ms?.(name) ?? 5, init, () =>
      json(200, processes(count))
    );
  });
}

const users = (count: number) =>
  Array.from({ length: count }, (_, i) => user(`u${i + 1}`, ['']));

function machineReply(
  groups: Array<{ user: string; hub_user: string | null; count: number }>,
  own: Partial<IProcessInfo>[] = []
) {
  return processes(2, 2048, {
    is_admin: true,
    processes: own as IProcessInfo[],
    users: groups.map(group => ({
      ...group,
      cpu_percent: group.count,
      rss_bytes: group.count * 1024,
      processes: []
    }))
  });
}

const singleUser = (
  pid: number,
  kind: 'server' | 'other'
): Partial<IProcessInfo> => ({
  pid,
  kind,
  cmdline: ['/usr/bin/python3', '-m', 'jupyterhub.singleuser']
});

describe('HubUsage fan-out', () => {
  it('shows each figure as it arrives and marks a stopped server after the deadline', async () => {
    const hub = serversHub({
      stopped: ['u7'],
      ms: name => (name === 'u1' ? 5 : 20)
    });
    const usage = new HubUsage({
      client: hub.client(),
      concurrency: 4,
      deadline: 150,
      timeout: 600
    });
    const page = users(20);
    const firstFigure: number[] = [];
    const started = Date.now();
    usage.changed.connect(() => {
      if (firstFigure.length === 0 && usage.usage('u1')?.state === 'ok') {
        firstFigure.push(Date.now() - started);
      }
    });
    let marked = 0;
    usage.changed.connect(() => {
      if (!marked && usage.usage('u7')?.state === 'slow') {
        marked = Date.now() - started;
      }
    });
    const run = usage.update(page, {
      owner: 'admin',
      ownServers: 1,
      machine: false
    });

    // Everything but the stopped server is in by the time it is marked.
    await new Promise(resolve => setTimeout(resolve, 450));
    expect(firstFigure[0]).toBeLessThan(140);
    expect(marked).toBeGreaterThanOrEqual(140);
    expect(marked).toBeLessThan(400);
    for (const { name } of page) {
      const state = usage.usage(name)?.state;
      expect([name, state]).toEqual([name, name === 'u7' ? 'slow' : 'ok']);
    }
    expect(usage.usage('u3')).toMatchObject({
      count: 3,
      answered: 1,
      servers: 1,
      source: 'servers'
    });

    await run;
    expect(usage.usage('u7')?.state).toBe('timeout');
    expect(hub.called('GET', /\/user\/u7\//)).toHaveLength(2);
  });

  it('never asks more than `concurrency` servers at once', async () => {
    let inFlight = 0;
    let most = 0;
    const hub = new FakeHub().on('GET', PROCESSES, (_, init) => {
      inFlight++;
      most = Math.max(most, inFlight);
      return after(10, init, () => {
        inFlight--;
        return json(200, processes(1));
      });
    });
    const usage = new HubUsage({ client: hub.client(), concurrency: 3 });
    await usage.update(users(10), {
      owner: 'admin',
      ownServers: 1,
      machine: false
    });

    expect(most).toBe(3);
  });

  it('lets a figure that arrives late replace the mark', async () => {
    const hub = serversHub({ ms: name => (name === 'u2' ? 120 : 5) });
    const usage = new HubUsage({
      client: hub.client(),
      deadline: 60,
      timeout: 1000
    });
    await usage.update(users(2), {
      owner: 'admin',
      ownServers: 1,
      machine: false
    });

    expect(usage.usage('u2')).toMatchObject({ state: 'ok', count: 2 });
  });

  it('sums a user’s servers and says how many answered', async () => {
    const hub = serversHub({});
    const usage = new HubUsage({ client: hub.client() });
    await usage.update([user('u1', ['', 'gpu'])], {
      owner: 'admin',
      ownServers: 1,
      machine: false
    });

    expect(usage.usage('u1')).toMatchObject({
      state: 'ok',
      count: 2,
      servers: 2,
      answered: 2
    });
    expect(usage.serverUsage('u1', 'gpu')).toMatchObject({
      state: 'ok',
      count: 1
    });
    expect(
      hub.called('GET', /\/user\/u1\/gpu\/kernel-manager\/processes$/)
    ).toHaveLength(1);
  });

  it('keeps a server’s refusal as its message', async () => {
    const hub = new FakeHub().on('GET', PROCESSES, () =>
      json(403, { status: 403, message: 'Forbidden' })
    );
    const usage = new HubUsage({ client: hub.client() });
    await usage.update(users(1), {
      owner: 'admin',
      ownServers: 1,
      machine: false
    });

    expect(usage.usage('u1')).toMatchObject({
      state: 'error',
      message: 'Forbidden'
    });
  });

  it('drops the figures of a page left behind', async () => {
    const hub = serversHub({ ms: () => 30 });
    const usage = new HubUsage({ client: hub.client() });
    const first = usage.update(users(3), {
      owner: 'admin',
      ownServers: 1,
      machine: false
    });
    const second = usage.update([user('other', [''])], {
      owner: 'admin',
      ownServers: 1,
      machine: false
    });
    await Promise.all([first, second]);

    expect(usage.usage('u1')).toBeUndefined();
    expect(usage.usage('other')?.state).toBe('ok');
  });

  it('keeps the figures of servers still running while asking again, and drops a stopped one’s', async () => {
    let count = 2;
    const hub = new FakeHub().on('GET', PROCESSES, (_, init) =>
      after(40, init, () => json(200, processes(count)))
    );
    const usage = new HubUsage({ client: hub.client(), deadline: 1000 });
    await usage.update([user('u1', ['']), user('u2', [''])], {
      owner: 'admin',
      ownServers: 1,
      machine: false
    });
    expect(usage.usage('u1')).toMatchObject({ state: 'ok', count: 2 });

    // u2's server stopped: gone at once. u1's figure stays while its server
    // is asked again, until the new one replaces it.
    count = 5;
    const again = usage.update([user('u1', ['']), user('u2')], {
      owner: 'admin',
      ownServers: 1,
      machine: false
    });
    expect(usage.usage('u2')).toBeUndefined();
    expect(usage.usage('u1')).toMatchObject({ state: 'ok', count: 2 });
    await again;
    expect(usage.usage('u1')).toMatchObject({ state: 'ok', count: 5 });
  });
});

describe('HubUsage on one machine', () => {
  it('takes every user found in the all-users view from it, and asks the servers of the rest', async () => {
    const hub = serversHub({});
    const local = jest.fn(() =>
      Promise.resolve(
        machineReply(
          [
            { user: 'jupyter-u1', hub_user: 'u1', count: 5 },
            { user: 'jupyter-u3', hub_user: 'u3', count: 1 },
            { user: 'root', hub_user: null, count: 90 }
          ],
          [singleUser(10, 'server')]
        )
      )
    );
    const usage = new HubUsage({ client: hub.client(), localProcesses: local });
    const page = [
      user('admin', ['']),
      user('u1', ['']),
      user('u2', ['']),
      user('u3')
    ];
    await usage.update(page, { owner: 'admin', ownServers: 1, machine: true });

    expect(local).toHaveBeenCalledTimes(1);
    // u3 has no server running: what its account still runs is not shown here.
    expect(usage.usage('u3')).toBeUndefined();
    expect(usage.usage('u1')).toMatchObject({
      state: 'ok',
      count: 5,
      rssBytes: 5120,
      source: 'machine'
    });
    expect(usage.usage('admin')).toMatchObject({
      count: 2,
      rssBytes: 2048,
      source: 'machine'
    });
    expect(usage.usage('u2')).toMatchObject({
      state: 'ok',
      count: 2,
      source: 'servers'
    });
    expect(hub.called('GET', PROCESSES).map(url => url.pathname)).toEqual([
      '/user/u2/kernel-manager/processes'
    ]);
    expect(usage.sharedAccount).toBe(false);
  });

  it('asks every server when other users’ servers run as the admin’s own account', async () => {
    const hub = serversHub({});
    const local = () =>
      Promise.resolve(
        machineReply(
          [],
          [
            singleUser(10, 'server'),
            singleUser(11, 'other'),
            singleUser(12, 'other')
          ]
        )
      );
    const usage = new HubUsage({ client: hub.client(), localProcesses: local });
    const page = [user('admin', ['']), user('u1', ['']), user('u2', [''])];
    await usage.update(page, { owner: 'admin', ownServers: 1, machine: true });

    expect(usage.sharedAccount).toBe(true);
    expect(hub.called('GET', PROCESSES)).toHaveLength(3);
    expect(usage.usage('u1')?.source).toBe('servers');
  });

  it('does not take the admin’s own named servers for other users’', async () => {
    const hub = serversHub({});
    const local = () =>
      Promise.resolve(
        machineReply(
          [{ user: 'jupyter-u1', hub_user: 'u1', count: 1 }],
          [singleUser(10, 'server'), singleUser(11, 'other')]
        )
      );
    const usage = new HubUsage({ client: hub.client(), localProcesses: local });
    await usage.update([user('admin', ['', 'gpu']), user('u1', [''])], {
      owner: 'admin',
      ownServers: 2,
      machine: true
    });

    expect(usage.sharedAccount).toBe(false);
    expect(hub.called('GET', PROCESSES)).toHaveLength(0);
  });

  it('falls back to the servers when the all-users view is refused', async () => {
    const hub = serversHub({});
    const warn = jest
      .spyOn(console, 'warn')
      .mockImplementation(() => undefined);
    const usage = new HubUsage({
      client: hub.client(),
      localProcesses: () => Promise.reject(new Error('403 not-admin'))
    });
    await usage.update(users(2), {
      owner: 'admin',
      ownServers: 1,
      machine: true
    });
    warn.mockRestore();

    expect(hub.called('GET', PROCESSES)).toHaveLength(2);
    expect(usage.usage('u2')).toMatchObject({ state: 'ok', source: 'servers' });
  });
});
