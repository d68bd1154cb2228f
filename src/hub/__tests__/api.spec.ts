import { HubClient, HubError } from '../api';

function fakeFetch(answers: Array<() => Response>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = async (input: RequestInfo, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    const next = answers.shift();
    if (!next) {
      throw new TypeError('Failed to fetch');
    }
    return next();
  };
  return { calls, fetch };
}

const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status });

describe('HubClient', () => {
  it('sends the page token, no cookies, to <hubPrefix>api/', async () => {
    const fake = fakeFetch([
      json(200, { name: 'alice', admin: false, scopes: ['self'] })
    ]);
    const hub = new HubClient({
      hubPrefix: '/hub/',
      token: 'tok',
      fetch: fake.fetch
    });
    const me = await hub.user();
    expect(me.name).toBe('alice');
    expect(fake.calls[0].url).toBe('/hub/api/user');
    const headers = new Headers(fake.calls[0].init.headers);
    expect(headers.get('Authorization')).toBe('token tok');
    expect(fake.calls[0].init.credentials).toBe('omit');
  });

  it("notes the hub's release from its answers", async () => {
    const fake = fakeFetch([
      () =>
        new Response(JSON.stringify({ name: 'alice' }), {
          status: 200,
          headers: { 'X-JupyterHub-Version': '6.1.1' }
        }),
      json(200, { name: 'alice' })
    ]);
    const hub = new HubClient({
      hubPrefix: '/hub/',
      token: 'tok',
      fetch: fake.fetch
    });
    expect(hub.version).toBeNull();
    await hub.user();
    expect(hub.version).toBe('6.1.1');
    // An answer without the header (a proxy's, say) keeps what is known.
    await hub.user();
    expect(hub.version).toBe('6.1.1');
  });

  it('asks for a page of users with the pagination media type', async () => {
    const fake = fakeFetch([
      json(200, {
        items: [{ name: 'bob', admin: false }],
        _pagination: { offset: 50, limit: 50, total: 10000, next: null }
      })
    ]);
    const hub = new HubClient({
      hubPrefix: '/hub',
      hubHost: 'https://hub.example',
      token: 't',
      fetch: fake.fetch
    });
    const page = await hub.users({
      offset: 50,
      limit: 50,
      nameFilter: 'bo',
      sort: 'name',
      state: 'active'
    });
    expect(page).toEqual({
      items: [{ name: 'bob', admin: false }],
      offset: 50,
      limit: 50,
      total: 10000
    });
    const url = new URL(fake.calls[0].url);
    expect(url.origin + url.pathname).toBe('https://hub.example/hub/api/users');
    expect(url.searchParams.get('name_filter')).toBe('bo');
    expect(url.searchParams.get('state')).toBe('active');
    expect(new Headers(fake.calls[0].init.headers).get('Accept')).toBe(
      'application/jupyterhub-pagination+json'
    );
  });

  it('posts new users and names servers in the path', async () => {
    const fake = fakeFetch([
      json(201, [{ name: 'a' }]),
      () => new Response(null, { status: 202 })
    ]);
    const hub = new HubClient({
      hubPrefix: '/hub/',
      token: 't',
      fetch: fake.fetch
    });
    await hub.createUsers(['a', 'b'], true);
    expect(JSON.parse(String(fake.calls[0].init.body))).toEqual({
      usernames: ['a', 'b'],
      admin: true
    });
    await hub.startServer('a b', 'gpu');
    expect(fake.calls[1].url).toBe('/hub/api/users/a%20b/servers/gpu');
    expect(fake.calls[1].init.method).toBe('POST');
  });

  it("keeps the hub's status and message in errors", async () => {
    const fake = fakeFetch([
      json(403, { status: 403, message: 'Action is not authorized' })
    ]);
    const hub = new HubClient({
      hubPrefix: '/hub/',
      token: 't',
      fetch: fake.fetch
    });
    const error = await hub.users({ offset: 0, limit: 50 }).catch(e => e);
    expect(error).toBeInstanceOf(HubError);
    expect(error.status).toBe(403);
    expect(error.message).toBe('Action is not authorized');
  });

  it('says plainly when the hub cannot be reached', async () => {
    const hub = new HubClient({
      hubPrefix: '/hub/',
      token: 't',
      fetch: fakeFetch([]).fetch
    });
    const error = await hub.user().catch(e => e);
    expect(error).toBeInstanceOf(HubError);
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/cannot be reached/);
  });

  it('parses the spawn progress event stream', async () => {
    const stream =
      'data: {"progress": 10, "message": "Spawning"}\n\n' +
      'data: {"progress": 100, "ready": true}\n\n';
    const fake = fakeFetch([() => new Response(stream, { status: 200 })]);
    const hub = new HubClient({
      hubPrefix: '/hub/',
      token: 't',
      fetch: fake.fetch
    });
    const events: any[] = [];
    await hub.progress('alice', '', event => events.push(event));
    expect(fake.calls[0].url).toBe('/hub/api/users/alice/server/progress');
    expect(events).toEqual([
      { progress: 10, message: 'Spawning' },
      { progress: 100, ready: true }
    ]);
  });
});
