import {
  IMemoryWarning,
  largestKernels,
  MemoryPressure,
  memoryUse
} from '../pressure';
import { GB, MB, notebook, pressureReply } from './pressureFixtures';

/** A pressure model with its signals recorded. */
function observed(options: MemoryPressure.IOptions = {}) {
  const pressure = new MemoryPressure(options);
  const events: string[] = [];
  const warnings: IMemoryWarning[] = [];
  pressure.crossed.connect((_, warning) => {
    events.push('crossed');
    warnings.push(warning);
  });
  pressure.changed.connect((_, warning) => {
    events.push('changed');
    warnings.push(warning);
  });
  pressure.cleared.connect(() => events.push('cleared'));
  /** Feed a reply where the user uses `percent` of 1 GB. */
  const at = (percent: number, kernels = [notebook('k1', 'a.ipynb', 1)]) =>
    pressure.update(pressureReply((percent / 100) * GB, GB, kernels));
  return { pressure, events, warnings, at };
}

describe('MemoryPressure', () => {
  it('crosses once, however many replies stay above the threshold', () => {
    const { pressure, events, warnings, at } = observed();
    at(50);
    expect(events).toEqual([]);
    for (const percent of [90, 93, 97, 95, 99, 91]) {
      at(percent);
    }
    expect(events).toEqual(['crossed']);
    expect(warnings[0].fraction).toBeCloseTo(0.9);
    expect(warnings[0].limit).toBe(GB);
    expect(pressure.warning?.fraction).toBeCloseTo(0.91);
  });

  it('does not clear within the hysteresis, clears once below it, and crosses again', () => {
    const { pressure, events, at } = observed();
    at(92);
    at(88);
    at(86);
    expect(events).toEqual(['crossed']);
    expect(pressure.warning).not.toBeNull();
    at(84);
    at(60);
    at(84);
    expect(events).toEqual(['crossed', 'cleared']);
    expect(pressure.warning).toBeNull();
    at(89);
    expect(events).toEqual(['crossed', 'cleared']);
    at(90);
    expect(events).toEqual(['crossed', 'cleared', 'crossed']);
  });

  it('counts USS when measured, else RSS, against the limit', () => {
    const reply = pressureReply(900 * MB, GB);
    expect(memoryUse(reply)).toEqual({ used: 900 * MB, limit: GB });
    reply.totals.uss_bytes = null;
    expect(memoryUse(reply)).toEqual({ used: 1800 * MB, limit: GB });
    reply.limits.memory_bytes = 0;
    expect(memoryUse(reply)).toBeNull();
  });

  it('is off at threshold 0, and warns of nothing without a limit', () => {
    const off = observed({ threshold: 0 });
    off.at(99);
    off.at(120);
    expect(off.events).toEqual([]);

    const { pressure, events } = observed();
    pressure.update(pressureReply(2 * GB, 0));
    pressure.update(pressureReply(2 * GB, NaN));
    expect(events).toEqual([]);
    pressure.update(pressureReply(2 * GB, GB));
    expect(events).toEqual(['crossed']);
    // A reply without a limit ends the warning.
    pressure.update(pressureReply(2 * GB, 0));
    expect(events).toEqual(['crossed', 'cleared']);
  });

  it('applies a threshold change to the last reply, without the hysteresis', () => {
    const { pressure, events, at } = observed();
    at(85);
    expect(events).toEqual([]);
    pressure.threshold = 0.8;
    expect(events).toEqual(['crossed']);
    // Lowering it further while high says nothing new.
    pressure.threshold = 0.6;
    expect(events).toEqual(['crossed']);
    // 85 % is no longer high for 0.88, though within its hysteresis.
    pressure.threshold = 0.88;
    expect(events).toEqual(['crossed', 'cleared']);
    pressure.threshold = 0.85;
    expect(events).toEqual(['crossed', 'cleared', 'crossed']);
    pressure.threshold = 0;
    expect(events).toEqual(['crossed', 'cleared', 'crossed', 'cleared']);
    expect(pressure.threshold).toBe(0);
    pressure.threshold = 5;
    expect(pressure.threshold).toBe(1);
  });

  it('clears when the limit grows and usage is under the threshold', () => {
    const { pressure, events } = observed();
    pressure.update(pressureReply(950 * MB, GB));
    // 950 MB of 1.1 GB is 86 %: within the hysteresis, but a new limit.
    pressure.update(pressureReply(950 * MB, 1.1 * GB));
    expect(events).toEqual(['crossed', 'cleared']);
    // Still high under a larger limit: the warning is told of the new limit.
    pressure.update(pressureReply(1.06 * GB, 1.1 * GB));
    pressure.update(pressureReply(1.15 * GB, 1.2 * GB));
    expect(events).toEqual(['crossed', 'cleared', 'crossed', 'changed']);
    expect(pressure.warning?.limit).toBe(1.2 * GB);
  });

  it('tells of other kernels while high, not of new figures or order', () => {
    const { events, warnings, at } = observed();
    const a = notebook('a', 'a.ipynb', 300 * MB);
    const b = notebook('b', 'b.ipynb', 200 * MB);
    const c = notebook('c', 'c.ipynb', 100 * MB);
    const d = notebook('d', 'd.ipynb', 50 * MB);
    at(92, [a, b, c, d]);
    at(93, [{ ...a, rss: 100 * MB }, { ...b, rss: 400 * MB }, c, d]);
    expect(events).toEqual(['crossed']);
    // d passes c: the named set changes.
    at(94, [a, b, c, { ...d, rss: 500 * MB }]);
    expect(events).toEqual(['crossed', 'changed']);
    expect(warnings[1].kernels.map(k => k.id)).toEqual(['d', 'a', 'b']);
    // A renamed notebook is a change too.
    at(94, [a, b, notebook('d', 'e.ipynb', 500 * MB)]);
    expect(events).toEqual(['crossed', 'changed', 'changed']);
    expect(warnings[2].kernels[0]).toMatchObject({
      name: 'e.ipynb',
      path: 'e.ipynb'
    });
  });

  it('stops signalling once disposed', () => {
    const { pressure, events, at } = observed();
    pressure.dispose();
    at(99);
    expect(events).toEqual([]);
    expect(pressure.isDisposed).toBe(true);
  });
});

describe('largestKernels', () => {
  it('sums children, sorts by memory, and names the notebooks', () => {
    const reply = pressureReply(900 * MB, GB, [
      notebook('small', 'work/small.ipynb', 100 * MB),
      notebook('big', 'work/deep/big.ipynb', 200 * MB, [500 * MB, 600 * MB]),
      notebook('mid', 'mid.ipynb', 400 * MB, [100 * MB])
    ]);
    expect(largestKernels(reply, 3)).toEqual([
      {
        id: 'big',
        name: 'big.ipynb',
        path: 'work/deep/big.ipynb',
        memory: 1300 * MB
      },
      { id: 'mid', name: 'mid.ipynb', path: 'mid.ipynb', memory: 500 * MB },
      {
        id: 'small',
        name: 'small.ipynb',
        path: 'work/small.ipynb',
        memory: 100 * MB
      }
    ]);
    expect(largestKernels(reply, 1).map(k => k.id)).toEqual(['big']);
    expect(largestKernels(reply, 0)).toEqual([]);
  });

  it('prefers a notebook session to a console, and has no path without one', () => {
    const reply = pressureReply(900 * MB, GB, [
      {
        id: 'shared',
        rss: 300 * MB,
        sessions: [
          { path: 'console-1-abc', name: 'Console 1', type: 'console' },
          { path: 'nb/shared.ipynb', name: 'shared.ipynb', type: 'notebook' }
        ]
      },
      {
        id: 'console',
        rss: 200 * MB,
        sessions: [
          { path: 'console-2-def', name: 'Console 2', type: 'console' }
        ]
      },
      { id: '0123456789abcdef', rss: 100 * MB }
    ]);
    expect(
      largestKernels(reply).map(({ name, path }) => ({ name, path }))
    ).toEqual([
      { name: 'shared.ipynb', path: 'nb/shared.ipynb' },
      { name: 'Console 2', path: null },
      { name: 'python3 01234567', path: null }
    ]);
  });

  it('orders equal memory by name', () => {
    const reply = pressureReply(900 * MB, GB, [
      notebook('k2', 'b.ipynb', 100 * MB),
      notebook('k1', 'a.ipynb', 100 * MB)
    ]);
    expect(largestKernels(reply).map(k => k.name)).toEqual([
      'a.ipynb',
      'b.ipynb'
    ]);
  });
});
