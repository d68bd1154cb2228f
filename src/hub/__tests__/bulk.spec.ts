import { IBulkProgress } from '../model';
import { empty, json, tick, user } from './hubFake';
import { adminHub, modelOf, pageOf } from './modelFixtures';

describe('HubModel.forAll', () => {
  function spawningHub(options: {
    spawnMs: number;
    refuse?: Map<string, number>;
    fail?: string[];
  }) {
    let running = 0;
    let most = 0;
    const hub = adminHub()
      .on('GET', /^\/hub\/api\/users$/, () => pageOf([]))
      .on('POST', /^\/hub\/api\/users\/[^/]+\/server$/, url => {
        const name = url.pathname.split('/')[4];
        const left = options.refuse?.get(name) ?? 0;
        if (left > 0) {
          options.refuse!.set(name, left - 1);
          return json(
            429,
            {
              status: 429,
              message:
                'Too many users trying to log in right now. Try again in 3 seconds.'
            },
            { 'Retry-After': '3' }
          );
        }
        running++;
        most = Math.max(most, running);
        return empty(202);
      })
      .on('GET', /\/server\/progress$/, async url => {
        const name = url.pathname.split('/')[4];
        await tick(options.spawnMs);
        running--;
        const failed = options.fail?.includes(name);
        return new Response(
          failed
            ? 'data: {"progress": 100, "failed": true, "message": "Spawn failed"}\n\n'
            : 'data: {"progress": 100, "ready": true}\n\n',
          { status: 200 }
        );
      });
    return { hub, most: () => most };
  }

  const targets = (names: string[]) =>
    names.map(name => ({ user: name, server: '' }));

  it('starts at most bulkLimit servers at once, each until its spawn ends', async () => {
    const { hub, most } = spawningHub({ spawnMs: 20 });
    const model = modelOf(hub, { bulkLimit: 2 });
    await model.refresh();
    const steps: IBulkProgress[] = [];
    const result = await model.forAll(
      targets(['a', 'b', 'c', 'd', 'e', 'f']),
      'start',
      {
        onProgress: progress => steps.push(progress)
      }
    );

    expect(most()).toBe(2);
    expect(result.succeeded.map(t => t.user).sort()).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f'
    ]);
    expect(result.failed).toEqual([]);
    expect(steps.map(step => step.done)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(model.bulk).toBeNull();
  });

  it('waits as long as a 429 says, then tries again', async () => {
    const { hub } = spawningHub({ spawnMs: 0, refuse: new Map([['b', 2]]) });
    const waits: number[] = [];
    const model = modelOf(hub, {
      bulkLimit: 2,
      sleep: async ms => {
        waits.push(ms);
      }
    });
    await model.refresh();
    const throttled: boolean[] = [];
    const result = await model.forAll(targets(['a', 'b']), 'start', {
      onProgress: progress => throttled.push(progress.throttled)
    });

    expect(waits).toEqual([3000, 3000]);
    expect(hub.called('POST', /users\/b\/server$/)).toHaveLength(3);
    expect(throttled).toContain(true);
    expect(result.succeeded.map(t => t.user).sort()).toEqual(['a', 'b']);
    expect(result.failed).toEqual([]);
  });

  it('names the servers that failed, with the hub’s message', async () => {
    const { hub } = spawningHub({ spawnMs: 0, fail: ['c'] });
    const model = modelOf(hub);
    await model.refresh();
    const result = await model.forAll(targets(['a', 'c']), 'start');

    expect(result.failed).toEqual([
      { user: 'c', server: '', message: 'Spawn failed' }
    ]);
    expect(result.succeeded).toEqual([{ user: 'a', server: '' }]);
  });

  it('sends nothing more once cancelled', async () => {
    const { hub } = spawningHub({ spawnMs: 10 });
    const model = modelOf(hub, { bulkLimit: 1 });
    await model.refresh();
    const controller = new AbortController();
    const result = await model.forAll(targets(['a', 'b', 'c']), 'start', {
      signal: controller.signal,
      onProgress: progress => {
        if (progress.done === 1) {
          controller.abort();
        }
      }
    });

    expect(hub.called('POST', /server$/)).toHaveLength(1);
    expect(result.skipped.map(t => t.user)).toEqual(['b', 'c']);
  });

  it('collects the targets over every page: running servers to stop, but not this page’s', async () => {
    const hub = adminHub().on('GET', /^\/hub\/api\/users$/, url => {
      const offset = Number(url.searchParams.get('offset'));
      expect(url.searchParams.get('state')).toBe('active');
      expect(url.searchParams.get('limit')).toBe('200');
      const items =
        offset === 0
          ? [user('admin', ['', 'gpu']), user('alice', [''])]
          : [user('bob', ['', 'big'])];
      return json(200, {
        items,
        _pagination: { offset, limit: 200, total: 201, next: null }
      });
    });
    const model = modelOf(hub);
    await model.refresh();
    const found = await model.bulkTargets('stop');

    expect(found).toEqual([
      { user: 'admin', server: 'gpu' },
      { user: 'alice', server: '' },
      { user: 'bob', server: '' },
      { user: 'bob', server: 'big' }
    ]);
  });
});
