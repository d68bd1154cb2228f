import { ServerConnection } from '@jupyterlab/services';
import { HubError } from '../api';
import { HubModel, IBulkProgress, ServerNameError } from '../model';
import {
  ADMIN_SCOPES,
  empty,
  FakeHub,
  json,
  processes,
  tick,
  user
} from './hubFake';

/** A model of `me` on a fake hub whose all-users view lists nobody else. */
function modelOf(
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

function pageOf(
  items: ReturnType<typeof user>[],
  offset = 0,
  total = items.length
) {
  return json(200, {
    items,
    _pagination: { offset, limit: 50, total, next: null }
  });
}

function adminHub(): FakeHub {
  return new FakeHub()
    .on('GET', /^\/hub\/api\/user$/, () =>
      json(200, { ...user('admin', ['']), admin: true, scopes: ADMIN_SCOPES })
    )
    .on('GET', /^\/hub\/api\/users\/admin$/, () =>
      json(200, { ...user('admin', ['']), admin: true })
    );
}

describe('HubModel users table', () => {
  it('asks the hub for one page at a time, with filter, sort and state', async () => {
    const hub = adminHub().on('GET', /^\/hub\/api\/users$/, url =>
      pageOf([user('bob')], Number(url.searchParams.get('offset')), 10000)
    );
    const model = modelOf(hub);
    await model.refresh();
    await model.setUsersQuery({ offset: 100 });
    await model.setUsersQuery({
      nameFilter: 'bo',
      sort: '-last_activity',
      state: 'active'
    });

    const asked = hub
      .called('GET', /^\/hub\/api\/users$/)
      .map(url => url.searchParams);
    expect(asked.map(params => params.get('offset'))).toEqual([
      '0',
      '100',
      '0'
    ]);
    expect(asked[2].get('name_filter')).toBe('bo');
    expect(asked[2].get('sort')).toBe('-last_activity');
    expect(asked[2].get('state')).toBe('active');
    expect(asked[2].get('limit')).toBe('50');
    expect(model.usersPage?.total).toBe(10000);
    const accept = hub.calls.find(
      call => call.url.pathname === '/hub/api/users'
    )!.init.headers;
    expect(new Headers(accept).get('Accept')).toBe(
      'application/jupyterhub-pagination+json'
    );
  });

  it('keeps the page of the latest query when answers cross', async () => {
    let first = true;
    const hub = adminHub().on('GET', /^\/hub\/api\/users$/, async url => {
      const filter = url.searchParams.get('name_filter') ?? '';
      if (first) {
        first = false;
        await tick(30);
      }
      return pageOf([user(filter || 'everyone')]);
    });
    const model = modelOf(hub);
    await model.refresh();
    first = true;
    const slow = model.setUsersQuery({ nameFilter: 'al' });
    const fast = model.setUsersQuery({ nameFilter: 'alice' });
    await Promise.all([slow, fast]);

    expect(model.usersPage?.items.map(u => u.name)).toEqual(['alice']);
  });

  it('does not list users when the token may not', async () => {
    const hub = new FakeHub().on('GET', /^\/hub\/api\/user$/, () =>
      json(200, {
        ...user('alice', ['']),
        scopes: ['servers!user=alice', 'read:users!user=alice']
      })
    );
    const model = modelOf(hub, { user: 'alice' });
    await model.refresh();

    expect(model.isAdmin).toBe(false);
    expect(model.usersPage).toBeNull();
    expect(hub.called('GET', /^\/hub\/api\/users$/)).toEqual([]);
    expect(model.missingActions()).toEqual([]);
  });

  it('says plainly when the hub refuses the token, and recovers on retry', async () => {
    let refuse = true;
    const hub = new FakeHub().on('GET', /^\/hub\/api\/user$/, () =>
      refuse
        ? json(403, { status: 403, message: 'Invalid or expired token' })
        : json(200, { ...user('alice'), scopes: ['servers!user=alice'] })
    );
    const model = modelOf(hub, { user: 'alice' });
    await model.refresh();
    expect(model.status).toBe('error');
    expect(model.error).toBe('Invalid or expired token');

    refuse = false;
    await model.refresh();
    expect(model.status).toBe('ready');
    expect(model.error).toBeNull();
  });
});

describe('HubModel scopes', () => {
  it('names what an admin page may not do', async () => {
    const hub = new FakeHub()
      .on('GET', /^\/hub\/api\/user$/, () =>
        json(200, {
          ...user('admin'),
          admin: true,
          scopes: ['list:users', 'read:users', 'servers']
        })
      )
      .on('GET', /^\/hub\/api\/users$/, () =>
        pageOf([user('admin', ['']), user('alice', [''])])
      );
    const model = modelOf(hub);
    await model.refresh();
    await model.usageSettled;

    expect(model.missingActions()).toEqual(['add-users', 'access-servers']);
    expect(model.may('add-users')).toBe(false);
    // Without access:servers, nobody's server is asked for its processes;
    // the admin's own (this page's server) still answers for them.
    expect(hub.called('GET', /kernel-manager\/processes/)).toEqual([]);
    expect(model.usage('alice')).toBeUndefined();
    expect(model.usage('admin')).toMatchObject({
      state: 'ok',
      source: 'machine'
    });
  });

  it('names a missing servers scope for a user of their own', async () => {
    const hub = new FakeHub().on('GET', /^\/hub\/api\/user$/, () =>
      json(200, { ...user('alice'), scopes: ['read:users:name!user=alice'] })
    );
    const model = modelOf(hub, { user: 'alice' });
    await model.refresh();

    expect(model.missingActions()).toEqual(['own-servers']);
  });
});

describe('HubModel.addUsers', () => {
  function hubCreating(existing: string[]) {
    return adminHub()
      .on('GET', /^\/hub\/api\/users$/, () => pageOf([]))
      .on('POST', /^\/hub\/api\/users$/, (_, init) => {
        const { usernames } = JSON.parse(String(init.body));
        const created = usernames.filter(
          (name: string) => !existing.includes(name)
        );
        return created.length === 0
          ? json(409, { status: 409, message: 'All 2 users already exist' })
          : json(
              201,
              created.map((name: string) => user(name))
            );
      });
  }

  it('reports created, already existing and repeated names', async () => {
    const hub = hubCreating(['bob']);
    const model = modelOf(hub);
    await model.refresh();
    const result = await model.addUsers(' Alice\n\nbob\nalice\ncarol \n', true);

    const posted = JSON.parse(
      String(hub.calls.find(c => c.method === 'POST')!.init.body)
    );
    expect(posted).toEqual({
      usernames: ['alice', 'bob', 'carol'],
      admin: true
    });
    expect(result.created).toEqual(['alice', 'carol']);
    expect(result.existing).toEqual(['bob']);
    expect(result.duplicates).toEqual(['alice']);
    expect(result.invalid).toEqual([]);
    expect(result.error).toBeUndefined();
  });

  it('counts a 409 as every name existing already', async () => {
    const hub = hubCreating(['alice', 'bob']);
    const model = modelOf(hub);
    await model.refresh();
    const result = await model.addUsers('alice\nbob', false);

    expect(result.created).toEqual([]);
    expect(result.existing).toEqual(['alice', 'bob']);
    expect(result.error).toBeUndefined();
  });

  it('sends nothing while a line is invalid, and says which', async () => {
    const hub = hubCreating([]);
    const model = modelOf(hub);
    await model.refresh();
    const result = await model.addUsers('alice\nbad name\nx/y', false);

    expect(hub.called('POST', /users$/)).toEqual([]);
    expect(result.invalid).toEqual([
      { line: 2, text: 'bad name', reason: 'characters' },
      { line: 3, text: 'x/y', reason: 'characters' }
    ]);
  });

  it('keeps any other refusal as the error', async () => {
    const hub = adminHub()
      .on('GET', /^\/hub\/api\/users$/, () => pageOf([]))
      .on('POST', /^\/hub\/api\/users$/, () =>
        json(403, {
          status: 403,
          message: 'Action is not authorized with current scopes'
        })
      );
    const model = modelOf(hub);
    await model.refresh();
    const result = await model.addUsers('dave', false);

    expect(result.error).toBe('Action is not authorized with current scopes');
  });
});

describe('HubModel named servers', () => {
  it('checks a name as the hub does before sending anything', async () => {
    const hub = adminHub();
    const model = modelOf(hub);
    await model.refresh();

    await expect(model.createServer('admin', 'a/b')).rejects.toEqual(
      new ServerNameError('slash')
    );
    await expect(model.createServer('admin', '')).rejects.toEqual(
      new ServerNameError('empty')
    );
    await expect(model.createServer('admin', 'x'.repeat(256))).rejects.toEqual(
      new ServerNameError('too-long')
    );
    expect(hub.called('POST', /servers/)).toEqual([]);
  });

  it('learns from the hub that named servers are off, and keeps its message', async () => {
    const hub = adminHub()
      .on('GET', /^\/hub\/api\/users$/, () => pageOf([]))
      .on('POST', /^\/hub\/api\/users\/admin\/servers\/gpu$/, () =>
        json(400, { status: 400, message: 'Named servers are not enabled.' })
      );
    const model = modelOf(hub);
    await model.refresh();
    expect(model.namedServers).toBe('unknown');

    const error = await model.createServer('admin', 'gpu').catch(e => e);
    expect(error).toBeInstanceOf(HubError);
    expect(error.message).toBe('Named servers are not enabled.');
    expect(model.namedServers).toBe('disabled');
  });

  it('knows named servers are on once it sees one, stopped ones included', async () => {
    const hub = new FakeHub().on('GET', /^\/hub\/api\/user$/, url => {
      const stopped = url.searchParams.get('include_stopped_servers') === '1';
      const me = user('alice', ['']);
      if (stopped) {
        me.servers!.gpu = {
          ...me.servers![''],
          name: 'gpu',
          ready: false,
          stopped: true
        };
      }
      return json(200, { ...me, scopes: ['servers!user=alice'] });
    });
    const model = modelOf(hub, { user: 'alice' });
    await model.refresh();

    expect(Object.keys(model.owner!.servers!)).toEqual(['', 'gpu']);
    expect(model.namedServers).toBe('enabled');
  });

  it('follows the spawn progress of a new server and fails with the hub’s message', async () => {
    const seen: Array<number | undefined> = [];
    const hub = adminHub()
      .on('GET', /^\/hub\/api\/users$/, () => pageOf([]))
      .on('POST', /^\/hub\/api\/users\/admin\/servers\/gpu$/, () => empty(202))
      .on(
        'GET',
        /servers\/gpu\/progress$/,
        () =>
          new Response(
            'data: {"progress": 20, "message": "Spawning"}\n\n' +
              'data: {"progress": 100, "failed": true, "message": "Spawn failed: no GPU left"}\n\n',
            { status: 200 }
          )
      );
    const model = modelOf(hub);
    await model.refresh();
    model.changed.connect(() =>
      seen.push(model.progress('admin', 'gpu')?.progress)
    );
    const error = await model.createServer('admin', 'gpu').catch(e => e);

    expect(error.message).toBe('Spawn failed: no GPU left');
    expect(seen).toContain(20);
    expect(model.progress('admin', 'gpu')).toBeUndefined();
  });
});

describe('HubModel.startServer', () => {
  it('shows a server as starting from the click, before the hub answers', async () => {
    const hub = adminHub()
      .on('GET', /^\/hub\/api\/users$/, () => pageOf([]))
      .on('POST', /^\/hub\/api\/users\/admin\/servers\/big$/, async () => {
        await tick(30);
        return empty(201);
      })
      .on(
        'GET',
        /servers\/big\/progress$/,
        () =>
          new Response('data: {"progress": 100, "ready": true}\n\n', {
            status: 200
          })
      );
    const model = modelOf(hub);
    await model.refresh();
    const started = model.startServer('admin', 'big');

    expect(model.starting('admin')).toEqual(['big']);
    expect(model.progress('admin', 'big')).toEqual({ progress: 0 });
    await started;
    expect(model.starting('admin')).toEqual([]);
  });
});

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
