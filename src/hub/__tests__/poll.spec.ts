import { ServerConnection } from '@jupyterlab/services';
import { HubModel } from '../model';
import { ADMIN_SCOPES, after, FakeHub, json, tick, user } from './hubFake';
import { adminHubListing, machine, pageOf, until } from './modelFixtures';

/**
 * The Hub section keeps itself current: a poll while someone watches it,
 * backing off while the hub fails, and at page load only what the commands
 * need until the section is shown.
 */

describe('HubModel poll', () => {
  let model: HubModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
  });

  it('asks the hub again every interval while watched, and not while nobody watches', async () => {
    const hub = adminHubListing(() => [user('admin', ['']), user('alice')]);
    const pages = () => hub.called('GET', /^\/hub\/api\/users$/).length;
    model = new HubModel({
      serverSettings: ServerConnection.makeSettings(),
      client: hub.client(),
      user: 'admin',
      server: '',
      localProcesses: machine(() => 0),
      interval: 0.05
    });
    // Nobody watches yet: nothing is asked.
    await tick(200);
    expect(pages()).toBe(0);

    const watcher = model.watch();
    await until(() => pages() >= 3);
    expect(model.usersPage?.items.map(u => u.name)).toEqual(['admin', 'alice']);

    watcher.dispose();
    await tick(20); // a refresh under way may still ask for its page
    const seen = pages();
    await tick(300);
    expect(pages()).toBe(seen);
  });

  it('shows what changed on the hub without a click', async () => {
    let alice = user('alice');
    const hub = adminHubListing(() => [user('admin', ['']), alice]);
    model = new HubModel({
      serverSettings: ServerConnection.makeSettings(),
      client: hub.client(),
      user: 'admin',
      server: '',
      localProcesses: machine(() => 2),
      interval: 0.05
    });
    model.watch();
    await until(() => model!.usersPage !== null);
    expect(model.usage('alice')).toBeUndefined();

    alice = user('alice', ['']);
    await until(() => model!.usage('alice')?.count === 2);
    expect(model.usage('alice')).toMatchObject({
      state: 'ok',
      source: 'machine',
      rssBytes: 52e6
    });
  });

  it('backs off while the hub fails, and a refresh that works ends the back-off', async () => {
    let down = true;
    const hub = new FakeHub()
      .on('GET', /^\/hub\/api\/user$/, () =>
        down
          ? json(502, { status: 502, message: 'Bad Gateway' })
          : json(200, {
              ...user('admin', ['']),
              admin: true,
              scopes: ADMIN_SCOPES
            })
      )
      .on('GET', /^\/hub\/api\/users$/, () => pageOf([user('admin', [''])]));
    const asked = () => hub.called('GET', /^\/hub\/api\/user$/).length;
    model = new HubModel({
      serverSettings: ServerConnection.makeSettings(),
      client: hub.client(),
      user: 'admin',
      server: '',
      localProcesses: machine(() => 0),
      interval: 0.02
    });
    // The poll draws each wait at random, up to three times the last: the
    // longest draws make the waits known (1, 4, 13, 39, 117, 351, 1053 ms
    // from the first failure).
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.999);
    try {
      model.watch();
      await tick(1200);
      // Every 20 ms would be some 60 requests.
      expect(asked()).toBeGreaterThanOrEqual(4);
      expect(asked()).toBeLessThanOrEqual(8);
      expect(model.status).toBe('error');

      // The hub is back and the user presses Retry: the poll's next ticks
      // come after the usual interval, not at the end of the back-off.
      down = false;
      await model.refresh();
      expect(model.status).toBe('ready');
      const after = asked();
      await until(() => asked() >= after + 2, 300);
    } finally {
      random.mockRestore();
    }
  });
});

describe('HubModel at page load', () => {
  let model: HubModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
  });

  /**
   * As at page load: the plugin loads the section's data when it activates,
   * and the section is shown (watched) once JupyterLab has restored its
   * layout, by which time that load has often ended.
   */
  function pageLoad(interval: number, answerAfter = 0) {
    const hub = adminHubListing(() => [user('admin', ['']), user('alice')]).on(
      'GET',
      /^\/hub\/api\/user$/,
      (_, init) =>
        after(answerAfter, init, () =>
          json(200, {
            ...user('admin', ['']),
            admin: true,
            scopes: ADMIN_SCOPES
          })
        )
    );
    model = new HubModel({
      serverSettings: ServerConnection.makeSettings(),
      client: hub.client(),
      user: 'admin',
      server: '',
      localProcesses: machine(() => 0),
      interval
    });
    return {
      model,
      loads: () => hub.called('GET', /^\/hub\/api\/user$/).length,
      pages: () => hub.called('GET', /^\/hub\/api\/users$/).length
    };
  }

  it('asks only who we are at page load, and the users page when shown', async () => {
    const { model, loads, pages } = pageLoad(3600);
    await model.identify();
    expect(model.isAdmin).toBe(true);
    expect(loads()).toBe(1);
    expect(pages()).toBe(0);
    model.watch();
    await until(() => pages() === 1, 1000);
    await tick(100);
    // The page's answer served the first load: not asked twice.
    expect(loads()).toBe(1);
    expect(pages()).toBe(1);
    expect(model.usersPage?.items.map(u => u.name)).toEqual(['admin', 'alice']);
  });

  it('uses the answer under way when shown while the page asks who we are', async () => {
    const { model, loads, pages } = pageLoad(3600, 100);
    const identified = model.identify();
    model.watch();
    await identified;
    await until(() => pages() === 1, 1000);
    await tick(100);
    expect(loads()).toBe(1);
    expect(pages()).toBe(1);
  });

  it('loads once when the section is shown after a full load ended', async () => {
    const { model, loads, pages } = pageLoad(3600);
    await model.refresh();
    model.watch();
    await tick(200);
    expect(loads()).toBe(1);
    expect(pages()).toBe(1);
  });

  it('asks again once the first load is an interval old', async () => {
    const { model, loads } = pageLoad(0.3);
    await model.refresh();
    model.watch();
    await tick(150);
    expect(loads()).toBe(1);
    await until(() => loads() === 2, 1000);
  });

  it('loads at once when shown after the data is an interval old', async () => {
    const { model, loads } = pageLoad(0.1);
    await model.refresh();
    await tick(150);
    model.watch();
    await until(() => loads() === 2, 100);
  });
});
