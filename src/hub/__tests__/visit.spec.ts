import { ServerConnection } from '@jupyterlab/services';
import { HubModel } from '../model';
import { ADMIN_SCOPES, FakeHub, json, processes, user } from './hubFake';

/**
 * An admin (or anyone the hub lets in) opening alice's server: the page's
 * token belongs to the visitor, the server to alice.
 */

/** What a token filtered to alice holds (expanded as `GET /user` lists it). */
const ALICE_ONLY = [
  'access:servers!server=alice/',
  'delete:servers!user=alice',
  'read:servers!user=alice',
  'read:users!user=alice',
  'read:users:activity!user=alice',
  'read:users:groups!user=alice',
  'read:users:name!user=alice',
  'servers!user=alice'
];

/** A hub where `viewer`'s token (with `scopes`) opened alice's server. */
function visitedHub(
  viewer: { name: string; admin: boolean },
  scopes: string[],
  alice = user('alice', [''])
): FakeHub {
  return new FakeHub()
    .on('GET', /^\/hub\/api\/user$/, () =>
      json(200, { ...user(viewer.name), admin: viewer.admin, scopes })
    )
    .on('GET', /^\/hub\/api\/users\/alice$/, () => json(200, alice))
    .on('GET', /^\/hub\/api\/users$/, () =>
      json(200, {
        items: [alice],
        _pagination: { offset: 0, limit: 50, total: 1 }
      })
    );
}

function aliceModel(hub: FakeHub): HubModel {
  return new HubModel({
    serverSettings: ServerConnection.makeSettings(),
    client: hub.client(),
    user: 'alice',
    server: '',
    localProcesses: () => Promise.resolve(processes(1))
  });
}

describe('HubModel on a server someone else opened', () => {
  it('knows whose server it is and who is looking, and offers alice’s servers only', async () => {
    const hub = visitedHub({ name: 'admin', admin: true }, ALICE_ONLY);
    const model = aliceModel(hub);
    await model.refresh();

    expect(model.status).toBe('ready');
    expect(model.visiting).toBe(true);
    expect(model.owner?.name).toBe('alice');
    expect(Object.keys(model.owner?.servers ?? {})).toEqual(['']);
    expect(model.viewer).toMatchObject({ name: 'admin', admin: true });
    // An admin, but not on their own server: no admin page.
    expect(model.isAdmin).toBe(false);
    expect(model.may('own-servers')).toBe(true);
    const others = [
      'list-users',
      'add-users',
      'delete-users',
      'user-servers',
      'access-servers'
    ] as const;
    for (const action of others) {
      expect(model.may(action)).toBe(false);
    }
    // No users asked for, no scopes to ask for, none too many.
    expect(hub.called('GET', /^\/hub\/api\/users$/)).toEqual([]);
    expect(model.missingActions()).toEqual([]);
    expect(model.scopesBeyondOwner()).toEqual([]);
  });

  it('offers no more when the token could do more, and names what reaches past alice', async () => {
    // A hub that gives every server's tokens the same unfiltered list: the
    // admin's visit hands alice's server the admin's power.
    const hub = visitedHub({ name: 'admin', admin: true }, [
      ...ADMIN_SCOPES,
      'read:users:name!user=admin',
      'access:servers!server=alice/'
    ]);
    const model = aliceModel(hub);
    await model.refresh();

    expect(model.may('list-users')).toBe(false);
    expect(model.may('add-users')).toBe(false);
    expect(model.may('user-servers')).toBe(false);
    expect(model.may('own-servers')).toBe(true);
    expect(model.usersPage).toBeNull();
    expect(hub.called('GET', /^\/hub\/api\/users$/)).toEqual([]);
    expect(model.missingActions()).toEqual([]);
    expect(model.scopesBeyondOwner()).toEqual(ADMIN_SCOPES);
  });

  it('sends nothing it does not offer, whoever asks', async () => {
    const hub = visitedHub({ name: 'admin', admin: true }, [
      ...ADMIN_SCOPES,
      ...ALICE_ONLY
    ]);
    const model = aliceModel(hub);
    await model.refresh();
    const before = hub.calls.length;

    await expect(model.deleteUser('bob')).rejects.toMatchObject({
      status: 403
    });
    await expect(model.addUsers('mallory', true)).rejects.toMatchObject({
      status: 403
    });
    await expect(model.bulkTargets('stop')).rejects.toMatchObject({
      status: 403
    });
    await expect(
      model.forAll([{ user: 'bob', server: '' }], 'stop')
    ).rejects.toMatchObject({
      status: 403
    });
    await expect(model.startServer('bob')).rejects.toMatchObject({
      status: 403
    });
    await expect(model.stopServer('bob')).rejects.toMatchObject({
      status: 403
    });
    expect(hub.calls.length).toBe(before);
  });

  it('is no admin page when alice is an admin herself and someone else looks', async () => {
    const hub = visitedHub(
      { name: 'bob', admin: false },
      ['read:users:name!user=bob', 'access:servers!server=alice/'],
      { ...user('alice', ['']), admin: true }
    );
    const model = aliceModel(hub);
    await model.refresh();

    expect(model.owner?.admin).toBe(true);
    expect(model.isAdmin).toBe(false);
    expect(model.may('own-servers')).toBe(false);
  });

  it('still names the owner when the token may not read her', async () => {
    // Shared with bob, whose token holds access to the server and nothing
    // of alice's: the hub hides her (404).
    const hub = new FakeHub()
      .on('GET', /^\/hub\/api\/user$/, () =>
        json(200, {
          ...user('bob'),
          scopes: ['read:users:name!user=bob', 'access:servers!server=alice/']
        })
      )
      .on('GET', /^\/hub\/api\/users\/alice$/, () =>
        json(404, { status: 404, message: 'Not Found' })
      );
    const model = aliceModel(hub);
    await model.refresh();

    expect(model.status).toBe('ready');
    expect(model.visiting).toBe(true);
    expect(model.owner).toEqual({ name: 'alice', admin: false });
    expect(model.viewer?.name).toBe('bob');
    expect(model.may('own-servers')).toBe(false);
    expect(model.missingActions()).toEqual([]);
    expect(model.scopesBeyondOwner()).toEqual([]);
  });

  it('lets alice act on her servers when the token may', async () => {
    const hub = visitedHub({ name: 'admin', admin: true }, ALICE_ONLY).on(
      'DELETE',
      /^\/hub\/api\/users\/alice\/servers\/gpu$/,
      () => new Response(null, { status: 204 })
    );
    const model = aliceModel(hub);
    await model.refresh();
    await model.deleteServer('alice', 'gpu');

    expect(
      hub.called('DELETE', /^\/hub\/api\/users\/alice\/servers\/gpu$/)
    ).toHaveLength(1);
  });
});
