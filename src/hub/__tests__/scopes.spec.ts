import { hasScope, may, scopesBeyondOwner, SCOPES_CONFIG } from '../scopes';

describe('scopes', () => {
  it('counts a scope filtered to the user for their own things only', () => {
    const scopes = ['servers!user=alice', 'read:users:name!user=alice'];
    expect(hasScope(scopes, 'servers', 'alice')).toBe(true);
    expect(hasScope(scopes, 'servers')).toBe(false);
    expect(may(scopes, 'own-servers', 'alice')).toBe(true);
    expect(may(scopes, 'user-servers', 'alice')).toBe(false);
    expect(may(scopes, 'list-users', 'alice')).toBe(false);
  });

  it('needs both list and read to list users', () => {
    expect(may(['list:users'], 'list-users', 'a')).toBe(false);
    expect(may(['list:users', 'read:users'], 'list-users', 'a')).toBe(true);
    expect(may(['admin:users'], 'add-users', 'a')).toBe(true);
  });

  it('names what reaches past the owner’s own things, identify scopes aside', () => {
    const scopes = [
      'servers!user=alice',
      'access:servers!server=alice/',
      'access:servers!server=alice/gpu',
      'read:users:name!user=admin',
      'read:users:groups!user=admin',
      'list:users',
      'servers!user=admin',
      'access:servers!server=bob/',
      'read:users!group=staff',
      'read:users:name'
    ];
    expect(scopesBeyondOwner(scopes, 'alice')).toEqual([
      'list:users',
      'servers!user=admin',
      'access:servers!server=bob/',
      'read:users!group=staff',
      'read:users:name'
    ]);
    // A user whose name begins as the owner's is someone else.
    const namesake = ['servers!user=alice2', 'access:servers!server=alice2/'];
    expect(scopesBeyondOwner(namesake, 'alice')).toEqual(namesake);
  });
});

describe('SCOPES_CONFIG', () => {
  it('is the hub configuration the tests run and the README gives', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const fs = require('fs') as typeof import('fs');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const path = require('path') as typeof import('path');
    const file = path.resolve(
      __dirname,
      '../../../tests/hub/kernel_manager_scopes.py'
    );
    expect(SCOPES_CONFIG).toBe(fs.readFileSync(file, 'utf8'));
    // Never the plain list that lends a visiting admin's scopes to any server.
    expect(SCOPES_CONFIG).not.toMatch(/oauth_client_allowed_scopes = \[/);
  });
});
