import { FakeHub, json, tick, user } from './hubFake';
import { adminHub, modelOf, pageOf } from './modelFixtures';

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
