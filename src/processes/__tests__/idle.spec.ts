import { ICullingSettings, IProcessInfo } from '../../common/types';
import { cullForecast, idleKernels, idleSeconds } from '../idle';

function kernel(
  id: string,
  options: {
    state?: string;
    lastActivity?: number | null;
    connections?: number;
    path?: string;
  } = {}
): IProcessInfo {
  return {
    pid: id.length + 1000,
    ppid: 1,
    name: 'python',
    cmdline: ['python', '-m', 'ipykernel_launcher'],
    user: 'alice',
    state: 'sleeping',
    started_at: 0,
    cpu_percent: 0,
    rss_bytes: 50e6,
    uss_bytes: null,
    pss_bytes: null,
    threads: 4,
    kind: 'kernel',
    kernel: {
      id,
      kernelspec: 'python3',
      execution_state: options.state ?? 'idle',
      connections: options.connections ?? 0,
      last_activity:
        options.lastActivity === undefined ? 1000 : options.lastActivity,
      sessions: [
        {
          id: `s-${id}`,
          path: options.path ?? `${id}.ipynb`,
          name: `${id}.ipynb`,
          type: 'notebook'
        }
      ]
    },
    terminal: null,
    ancestor: null
  };
}

const HOUR = 3600;
const culling: ICullingSettings = {
  idle_timeout: HOUR,
  interval: 300,
  connected: false,
  busy: false
};

describe('idleSeconds', () => {
  it('counts from the last activity on the server’s clock', () => {
    expect(idleSeconds(kernel('a', { lastActivity: 1000 }), 1000 + 7200)).toBe(
      7200
    );
  });

  it('is null for busy kernels, unknown activity and other processes', () => {
    expect(idleSeconds(kernel('a', { state: 'busy' }), 5000)).toBeNull();
    expect(idleSeconds(kernel('a', { lastActivity: null }), 5000)).toBeNull();
    expect(
      idleSeconds({ ...kernel('a'), kind: 'other', kernel: null }, 5000)
    ).toBeNull();
  });

  it('never goes below zero when the clocks disagree', () => {
    expect(idleSeconds(kernel('a', { lastActivity: 2000 }), 1000)).toBe(0);
  });
});

describe('cullForecast', () => {
  it('gives the time left and marks the kernels of the next check', () => {
    const soon = cullForecast(kernel('a'), culling, 1000 + HOUR - 200);
    expect(soon).toEqual({ remaining: 200, next: true });
    const later = cullForecast(kernel('a'), culling, 1000 + 600);
    expect(later).toEqual({ remaining: HOUR - 600, next: false });
    expect(cullForecast(kernel('a'), culling, 1000 + 2 * HOUR)).toEqual({
      remaining: 0,
      next: true
    });
  });

  it('follows the culler: connected and busy kernels stay unless configured', () => {
    const connected = kernel('a', { connections: 1 });
    const busy = kernel('b', { state: 'busy' });
    const now = 1000 + 2 * HOUR;
    expect(cullForecast(connected, culling, now)).toBeNull();
    expect(cullForecast(busy, culling, now)).toBeNull();
    expect(
      cullForecast(connected, { ...culling, connected: true }, now)?.next
    ).toBe(true);
    expect(cullForecast(busy, { ...culling, busy: true }, now)?.next).toBe(
      true
    );
  });

  it('is null without culling', () => {
    expect(cullForecast(kernel('a'), null, 1e9)).toBeNull();
    expect(
      cullForecast(kernel('a'), { ...culling, idle_timeout: 0 }, 1e9)
    ).toBeNull();
  });
});

describe('idleKernels', () => {
  const processes = [
    kernel('recent', { lastActivity: 9000 }),
    kernel('old', { lastActivity: 1000 }),
    kernel('older', { lastActivity: 500 }),
    kernel('open', { lastActivity: 100, connections: 2 }),
    kernel('running', { lastActivity: 100, state: 'busy' })
  ];
  const options = {
    processes,
    now: 10000,
    minutes: 60,
    includeConnected: false,
    memory: new Map([['old', 123e6]]),
    label: (process: IProcessInfo) => process.kernel?.sessions[0].path ?? ''
  };

  it('lists kernels idle that long, longest first, with their memory', () => {
    const found = idleKernels(options);
    expect(found.map(k => k.id)).toEqual(['older', 'old']);
    expect(found[1]).toEqual({
      id: 'old',
      name: 'old.ipynb',
      idleSeconds: 9000,
      connections: 0,
      memory: 123e6
    });
    // Without a figure for its subtree, the kernel's own memory.
    expect(found[0].memory).toBe(50e6);
  });

  it('includes connected kernels only when asked, never busy ones', () => {
    const found = idleKernels({ ...options, includeConnected: true });
    expect(found.map(k => k.id)).toEqual(['open', 'older', 'old']);
  });

  it('a longer time selects fewer', () => {
    expect(idleKernels({ ...options, minutes: 151 }).map(k => k.id)).toEqual([
      'older'
    ]);
  });
});
