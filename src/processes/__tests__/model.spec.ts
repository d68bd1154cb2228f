import { ProcessesClient } from '../api';
import { IProcessesReply } from '../../common/types';
import { ProcessesModel } from '../model';

function reply(count: number, isAdmin = false): IProcessesReply {
  return {
    timestamp: 2000,
    user: 'alice',
    server_pid: 100,
    is_admin: isAdmin,
    processes: Array.from({ length: count }, (_, i) => ({
      pid: 100 + i,
      ppid: i === 0 ? 1 : 100,
      name: `p${i}`,
      cmdline: [],
      user: 'alice',
      state: 'sleeping',
      started_at: 1000,
      cpu_percent: i,
      rss_bytes: 1000 * (i + 1),
      uss_bytes: null,
      pss_bytes: null,
      threads: 1,
      kind: i === 0 ? 'server' : 'other',
      kernel: null,
      terminal: null,
      ancestor: null
    })),
    totals: { count, cpu_percent: 0, rss_bytes: 0, uss_bytes: null },
    limits: {
      memory_bytes: 1e9,
      memory_source: 'machine',
      cpu_cores: 2,
      cpu_source: 'machine'
    },
    machine: { memory_bytes: 1e9, cpu_count: 2 },
    culling: null,
    history: null
  };
}

class FakeClient {
  calls: boolean[] = [];
  signals: Array<[number, string]> = [];
  fail: Error | null = null;
  count = 2;
  async list(allUsers = false): Promise<IProcessesReply> {
    this.calls.push(allUsers);
    if (this.fail) {
      throw this.fail;
    }
    return reply(this.count, true);
  }
  async signal(pid: number, signal: string) {
    this.signals.push([pid, signal]);
    return { pid, signal };
  }
}

async function until(test: () => boolean, timeout = 3000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeout) {
      throw new Error('timed out');
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

function setup() {
  const client = new FakeClient();
  const model = new ProcessesModel({
    client: client as unknown as ProcessesClient,
    interval: 1
  });
  return { client, model };
}

describe('ProcessesModel', () => {
  it('does not scan while nobody watches, and scans at once for the first watcher', async () => {
    const { client, model } = setup();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(client.calls).toHaveLength(0);
    const watch = model.watch();
    await until(() => model.reply !== null);
    expect(model.status).toBe('ready');
    expect(model.tree[0].process.kind).toBe('server');
    watch.dispose();
    model.dispose();
  });

  it('keeps polling while watched, at the set interval', async () => {
    const { client, model } = setup();
    model.interval = 1;
    const watch = model.watch();
    await until(() => client.calls.length >= 2, 4000);
    watch.dispose();
    model.dispose();
  });

  it('asks for every user when an admin turns that on', async () => {
    const { client, model } = setup();
    model.allUsers = true;
    await until(() => client.calls.length === 1);
    expect(client.calls).toEqual([true]);
    expect(model.allUsers).toBe(true);
    model.dispose();
  });

  it('re-sorts the tree without asking the server again', async () => {
    const { client, model } = setup();
    client.count = 3;
    await model.refresh();
    const server = model.tree[0];
    expect(server.children.map(n => n.process.pid)).toEqual([102, 101]);
    model.sort = { key: 'memory', descending: false };
    expect(model.tree[0].children.map(n => n.process.pid)).toEqual([101, 102]);
    expect(client.calls).toHaveLength(1);
    model.dispose();
  });

  it('signals through the server', async () => {
    const { client, model } = setup();
    await model.signal(101, 'TERM');
    expect(client.signals).toEqual([[101, 'TERM']]);
    model.dispose();
  });

  it('reports a failed scan and keeps the last good one', async () => {
    const { client, model } = setup();
    await model.refresh();
    client.fail = new Error('Forbidden');
    await expect(model.refresh()).rejects.toThrow('Forbidden');
    expect(model.status).toBe('error');
    expect(model.error).toBe('Forbidden');
    expect(model.reply).not.toBeNull();
    model.dispose();
  });
});
