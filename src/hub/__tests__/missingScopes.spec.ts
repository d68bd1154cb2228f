import { FakeHub, json, user } from './hubFake';
import { modelOf, pageOf } from './modelFixtures';

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
