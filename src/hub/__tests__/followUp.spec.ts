import { ServerConnection } from '@jupyterlab/services';
import { HubModel } from '../model';
import { empty, tick, user } from './hubFake';
import { adminHubListing, machine, until } from './modelFixtures';

/**
 * One more refresh shortly after a start or stop, and figures that follow
 * what runs: gone with a stopped server, kept while asked again.
 */

describe('HubModel after a start or stop', () => {
  let model: HubModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
  });

  /**
   * alice's server runs, with a kernel; stopping it answers 204 while the
   * hub's list still shows it running for a moment (`lagging` answers), and
   * her kernel outlives it (the machine's view keeps counting it).
   */
  function stoppingHub(lagging: number) {
    let running = true;
    let lag = 0;
    const hub = adminHubListing(() => {
      if (!running && lag > 0) {
        lag--;
        return [user('admin', ['']), user('alice', [''])];
      }
      return [user('admin', ['']), user('alice', running ? [''] : [])];
    }).on('DELETE', /^\/hub\/api\/users\/alice\/server$/, () => {
      running = false;
      lag = lagging;
      return empty(204);
    });
    return hub;
  }

  it('refreshes once more shortly after a stop: the figures of the stopped server go', async () => {
    const hub = stoppingHub(1);
    const pages = () => hub.called('GET', /^\/hub\/api\/users$/).length;
    model = new HubModel({
      serverSettings: ServerConnection.makeSettings(),
      client: hub.client(),
      user: 'admin',
      server: '',
      localProcesses: machine(() => 2),
      // No poll tick in this test: what happens is the follow-up's doing.
      interval: 3600,
      followUpDelay: 100
    });
    model.watch();
    await until(() => model!.usage('alice')?.count === 2);
    const before = pages();

    await model.stopServer('alice');
    // The refresh right after the stop still saw her server running.
    expect(pages()).toBe(before + 1);
    expect(model.usersPage?.items[1].servers?.['']?.ready).toBe(true);

    await until(() => pages() === before + 2, 2000);
    await until(() => model!.usersPage?.items[1].servers?.[''] === undefined);
    expect(model.usage('alice')).toBeUndefined();
    // Once: no more refreshes until the poll's interval.
    await tick(300);
    expect(pages()).toBe(before + 2);
  });

  it('drops the figures of a stopped server at once, whatever its account still runs', async () => {
    const hub = stoppingHub(0);
    model = new HubModel({
      serverSettings: ServerConnection.makeSettings(),
      client: hub.client(),
      user: 'admin',
      server: '',
      localProcesses: machine(() => 1),
      interval: 3600,
      followUpDelay: 100
    });
    model.watch();
    await until(() => model!.usage('alice')?.count === 1);

    await model.stopServer('alice');
    expect(model.usersPage?.items[1].servers).toEqual({});
    expect(model.usage('alice')).toBeUndefined();
  });

  it('keeps a running server’s figures while asking again, instead of blanking them', async () => {
    let release: (() => void) | null = null;
    let slow = false;
    const hub = adminHubListing(() => [
      user('admin', ['']),
      user('alice', [''])
    ]);
    const view = machine(() => 3);
    model = new HubModel({
      serverSettings: ServerConnection.makeSettings(),
      client: hub.client(),
      user: 'admin',
      server: '',
      localProcesses: async () => {
        if (slow) {
          await new Promise<void>(resolve => (release = resolve));
        }
        return view();
      },
      interval: 3600
    });
    await model.refresh();
    await model.usageSettled;
    expect(model.usage('alice')?.count).toBe(3);

    slow = true;
    const again = model.refresh();
    await until(() => release !== null);
    expect(model.usage('alice')).toMatchObject({ state: 'ok', count: 3 });
    release!();
    await again;
    await model.usageSettled;
    expect(model.usage('alice')?.count).toBe(3);
  });

  it('refreshes once more after a start ends, and not while nobody watches', async () => {
    let running = false;
    const hub = adminHubListing(() => [
      user('admin', ['']),
      user('alice', running ? [''] : [])
    ])
      .on('POST', /^\/hub\/api\/users\/alice\/server$/, () => {
        running = true;
        return empty(201);
      })
      .on(
        'GET',
        /^\/hub\/api\/users\/alice\/server\/progress$/,
        () => new Response('', { status: 200 })
      );
    const pages = () => hub.called('GET', /^\/hub\/api\/users$/).length;
    model = new HubModel({
      serverSettings: ServerConnection.makeSettings(),
      client: hub.client(),
      user: 'admin',
      server: '',
      localProcesses: machine(() => 1),
      interval: 3600,
      followUpDelay: 50
    });
    const watcher = model.watch();
    await until(() => model!.usersPage !== null);
    const before = pages();
    await model.startServer('alice');
    await until(() => pages() === before + 2, 2000);

    watcher.dispose();
    await model.startServer('alice');
    const seen = pages();
    await tick(300);
    expect(pages()).toBe(seen);
  });
});
