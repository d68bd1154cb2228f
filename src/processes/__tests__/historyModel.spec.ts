import { ServerConnection } from '@jupyterlab/services';
import { DisposableDelegate } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import {
  IHistoryReply,
  IHistorySeries,
  IProcessesReply
} from '../../common/types';
import { HistoryClient } from '../historyApi';
import { ProcessHistory } from '../historyModel';

const STEP = 5;
/** 10 slots: a window small enough to shift in a test. */
const SECONDS = 50;
/** Epoch seconds of slot 200. */
const T0 = 1000;

function series(
  cpu: (number | null)[],
  memory?: (number | null)[]
): IHistorySeries {
  return { cpu, memory: memory ?? cpu.map(v => (v === null ? null : v * 10)) };
}

function history(
  start: number,
  total: IHistorySeries,
  kernels: { [id: string]: IHistorySeries } = {},
  users?: { [account: string]: IHistorySeries }
): IHistoryReply {
  return {
    step: STEP,
    seconds: SECONDS,
    start,
    count: total.cpu.length,
    total,
    kernels,
    ...(users ? { users } : {})
  };
}

function processesReply(on = true, isAdmin = false): IProcessesReply {
  return {
    timestamp: 2000,
    user: 'alice',
    server_pid: 100,
    is_admin: isAdmin,
    processes: [],
    totals: { count: 0, cpu_percent: 0, rss_bytes: 0, uss_bytes: null },
    limits: {
      memory_bytes: 1e9,
      memory_source: 'machine',
      cpu_cores: 2,
      cpu_source: 'machine'
    },
    machine: { memory_bytes: 1e9, cpu_count: 2 },
    culling: null,
    history: on ? { step: STEP, seconds: SECONDS } : null
  };
}

/** The processes model as the history sees it: replies pushed by the test. */
class FakeProcesses {
  changed = new Signal<this, void>(this);
  reply: IProcessesReply | null = null;
  kernelMemory = new Map<string, number>();
  allUsers = false;
  watchers = 0;
  watch() {
    this.watchers++;
    return new DisposableDelegate(() => this.watchers--);
  }
  push(reply: IProcessesReply) {
    this.reply = reply;
    this.changed.emit();
  }
}

/** The real client over a fetch answering `answer(url)`; the URLs asked. */
function setUp(answer: (url: URL) => Response | Promise<Response>) {
  const urls: URL[] = [];
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: (async (input: RequestInfo, init?: RequestInit) => {
      const url = new URL(new Request(input, init).url);
      urls.push(url);
      return answer(url);
    }) as any
  });
  const processes = new FakeProcesses();
  const model = new ProcessHistory({
    client: new HistoryClient({ serverSettings }),
    processes
  });
  return { model, processes, urls };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });
}

async function until(test: () => boolean, timeout = 2000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeout) {
      throw new Error('timed out');
    }
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}

const values = (array: ArrayLike<number> | undefined) =>
  Array.from(array ?? [], v => (Number.isNaN(v) ? null : v));

describe('ProcessHistory.merge', () => {
  function model() {
    return setUp(() => json(500, {})).model;
  }

  it('puts a whole window in place, the newest slot last', () => {
    const history_ = model();
    history_.merge(history(T0, series([1, 2, 3])));
    const total = history_.series('total')!;
    expect(total.step).toBe(STEP);
    expect(total.start).toBe(T0 + 3 * STEP - SECONDS);
    expect(values(total.cpu)).toEqual([...Array(7).fill(null), 1, 2, 3]);
    expect(values(total.memory).slice(-3)).toEqual([10, 20, 30]);
    expect(history_.seconds).toBe(SECONDS);
    expect(history_.status).toBe('ready');
  });

  it('overwrites the slots a later reply sends again', () => {
    const history_ = model();
    history_.merge(history(T0, series([1, 2, 3])));
    const version = history_.version;
    history_.merge(history(T0 + 2 * STEP, series([4, 5])));
    expect(values(history_.series('total')!.cpu).slice(-5)).toEqual([
      null,
      1,
      2,
      4,
      5
    ]);
    expect(history_.version).toBeGreaterThan(version);
  });

  it('keeps gaps empty: slots sent as null and slots never sent', () => {
    const history_ = model();
    history_.merge(history(T0, series([1, null, 3])));
    // Slot T0 + 3 * STEP never comes; the next reply starts after it.
    history_.merge(history(T0 + 4 * STEP, series([6])));
    expect(values(history_.series('total')!.cpu).slice(-5)).toEqual([
      1,
      null,
      3,
      null,
      6
    ]);
  });

  it('drops the slots that leave the window as it moves', () => {
    const history_ = model();
    history_.merge(
      history(T0, series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), {
        k: series([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
      })
    );
    // Three slots later: the three oldest are gone, the ring reuses them.
    history_.merge(history(T0 + 12 * STEP, series([13]), { k: series([2]) }));
    const total = history_.series('total')!;
    expect(total.start).toBe(T0 + 3 * STEP);
    expect(values(total.cpu)).toEqual([4, 5, 6, 7, 8, 9, 10, null, null, 13]);
    expect(values(history_.series('kernel', 'k')!.cpu)).toEqual([
      1,
      1,
      1,
      1,
      1,
      1,
      1,
      null,
      null,
      2
    ]);
  });

  it('empties the window after a long pause (a reply far ahead)', () => {
    const history_ = model();
    history_.merge(history(T0, series([1, 2, 3])));
    history_.merge(history(T0 + 100 * STEP, series([7])));
    expect(values(history_.series('total')!.cpu)).toEqual([
      ...Array(9).fill(null),
      7
    ]);
  });

  it('adds kernels that start and drops those a reply no longer lists', () => {
    const history_ = model();
    history_.merge(history(T0, series([1, 2]), { a: series([5, 6]) }));
    expect(history_.series('kernel', 'b')).toBeNull();
    history_.merge(
      history(T0 + STEP, series([2, 3]), {
        a: series([6, 7]),
        b: series([null, 9])
      })
    );
    expect(values(history_.series('kernel', 'b')!.cpu).slice(-3)).toEqual([
      null,
      null,
      9
    ]);
    history_.merge(history(T0 + 2 * STEP, series([3]), { b: series([9]) }));
    expect(history_.series('kernel', 'a')).toBeNull();
    expect(history_.series('kernel', 'b')).not.toBeNull();
  });

  it('keeps other accounts only while replies list them', () => {
    const history_ = model();
    history_.merge(history(T0, series([1]), {}, { bob: series([4]) }));
    expect(values(history_.series('user', 'bob')!.memory).slice(-1)).toEqual([
      40
    ]);
    expect(history_.series('kernel', 'bob')).toBeNull();
    history_.merge(history(T0 + STEP, series([2])));
    expect(history_.series('user', 'bob')).toBeNull();
  });

  it('gives the same series object until something changes', () => {
    const history_ = model();
    const changed = jest.fn();
    history_.changed.connect(changed);
    history_.merge(history(T0, series([1, 2])));
    const first = history_.series('total');
    const version = history_.version;
    expect(changed).toHaveBeenCalledTimes(1);
    history_.merge(history(T0 + STEP, series([2])));
    expect(history_.series('total')).toBe(first);
    expect(history_.version).toBe(version);
    expect(changed).toHaveBeenCalledTimes(1);
    history_.merge(history(T0 + STEP, series([3])));
    expect(history_.series('total')).not.toBe(first);
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it('starts over when the server changes its step or window', () => {
    const history_ = model();
    history_.merge(history(T0, series([1, 2])));
    history_.merge({ ...history(T0, series([3])), seconds: 20 });
    expect(values(history_.series('total')!.cpu)).toEqual([
      null,
      null,
      null,
      3
    ]);
  });
});

describe('ProcessHistory loading', () => {
  it('asks after each processes reply while watched, from its newest slot', async () => {
    const replies = [
      history(T0, series([1, 2, 3])),
      history(T0 + 2 * STEP, series([4, 5]))
    ];
    const { model, processes, urls } = setUp(() => json(200, replies.shift()));
    processes.push(processesReply());
    await new Promise(resolve => setTimeout(resolve, 20));
    expect(urls).toHaveLength(0);

    const watch = model.watch();
    expect(processes.watchers).toBe(1);
    await until(() => model.version > 0);
    expect(urls[0].pathname).toBe('/kernel-manager/processes/history');
    expect(urls[0].searchParams.has('since')).toBe(false);

    processes.push(processesReply());
    await until(() => urls.length === 2 && model.series('total')!.cpu[9] === 5);
    // The newest slot held T0 + 2 * STEP: asked again and overwritten.
    expect(urls[1].searchParams.get('since')).toBe(String(T0 + 2 * STEP));
    expect(urls[1].searchParams.has('all_users')).toBe(false);

    watch.dispose();
    expect(processes.watchers).toBe(0);
    processes.push(processesReply());
    await new Promise(resolve => setTimeout(resolve, 20));
    expect(urls).toHaveLength(2);
    model.dispose();
  });

  it('asks once more for a reply that came while it was loading', async () => {
    let release: () => void = () => undefined;
    const { model, processes, urls } = setUp(
      () =>
        new Promise<Response>(resolve => {
          release = () => resolve(json(200, history(T0, series([1]))));
        })
    );
    const watch = model.watch();
    processes.push(processesReply());
    processes.push(processesReply());
    processes.push(processesReply());
    await until(() => urls.length === 1);
    release();
    await until(() => urls.length === 2);
    release();
    await new Promise(resolve => setTimeout(resolve, 20));
    expect(urls).toHaveLength(2);
    watch.dispose();
    model.dispose();
  });

  it('stops asking when the server keeps no history', async () => {
    const { model, processes, urls } = setUp(() =>
      json(200, history(T0, series([1])))
    );
    const watch = model.watch();
    processes.push(processesReply());
    await until(() => model.status === 'ready');
    processes.push(processesReply(false));
    expect(model.status).toBe('off');
    expect(model.series('total')).toBeNull();
    processes.push(processesReply(false));
    await new Promise(resolve => setTimeout(resolve, 20));
    expect(urls).toHaveLength(1);
    watch.dispose();
    model.dispose();
  });

  it('takes a 404 "history-off" or a switched-off route quietly', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    for (const [status, reason] of [
      [404, 'history-off'],
      [403, 'switched-off']
    ] as const) {
      const { model, processes } = setUp(() =>
        json(status, { reason, message: 'off' })
      );
      const watch = model.watch();
      processes.push(processesReply());
      await until(() => model.status !== 'loading');
      expect(model.status).toBe('off');
      expect(model.error).toBeNull();
      watch.dispose();
      model.dispose();
    }
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('reports other failures once and keeps what it had', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    let fail = false;
    const { model, processes } = setUp(() =>
      fail
        ? json(500, { message: 'boom', reason: '' })
        : json(200, history(T0, series([1])))
    );
    const watch = model.watch();
    processes.push(processesReply());
    await until(() => model.status === 'ready');
    fail = true;
    processes.push(processesReply());
    await until(() => model.status === 'error');
    processes.push(processesReply());
    await new Promise(resolve => setTimeout(resolve, 20));
    expect(model.error).toBe('boom');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(values(model.series('total')!.cpu).slice(-1)).toEqual([1]);
    warn.mockRestore();
    watch.dispose();
    model.dispose();
  });

  it("asks admins' whole window again with every account when shown", async () => {
    const { model, processes, urls } = setUp(url =>
      json(
        200,
        url.searchParams.has('all_users')
          ? history(T0, series([1]), {}, { bob: series([2]) })
          : history(T0, series([1]))
      )
    );
    const watch = model.watch();
    processes.push(processesReply(true, true));
    await until(() => model.status === 'ready');
    processes.allUsers = true;
    processes.push(processesReply(true, true));
    await until(() => model.series('user', 'bob') !== null);
    expect(urls[1].searchParams.get('all_users')).toBe('1');
    expect(urls[1].searchParams.has('since')).toBe(false);
    processes.push(processesReply(true, true));
    await until(() => urls.length === 3);
    expect(urls[2].searchParams.get('since')).toBe(String(T0));
    watch.dispose();
    model.dispose();
  });
});
