import { HubError } from '../api';
import { ServerNameError } from '../model';
import { empty, FakeHub, json, tick, user } from './hubFake';
import { adminHub, modelOf, pageOf } from './modelFixtures';

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
