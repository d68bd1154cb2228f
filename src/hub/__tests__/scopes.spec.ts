import { checkServerName, parseUsernames } from '../names';
import { hasScope, may, scopesBeyondOwner, SCOPES_CONFIG } from '../scopes';
import { mapLimited, sleep } from '../../common/async';

describe('parseUsernames', () => {
  it('drops blank lines and spaces, lower-cases and collapses repeats', () => {
    const parsed = parseUsernames('  Alice \n\nbob\nALICE\r\ncarol\n');
    expect(parsed.names).toEqual(['alice', 'bob', 'carol']);
    expect(parsed.duplicates).toEqual(['alice']);
    expect(parsed.invalid).toEqual([]);
  });

  it('reports invalid names with their line', () => {
    const parsed = parseUsernames('ok\nbad name\na/b\n' + 'x'.repeat(256));
    expect(parsed.names).toEqual(['ok']);
    expect(parsed.invalid).toEqual([
      { line: 2, text: 'bad name', reason: 'characters' },
      { line: 3, text: 'a/b', reason: 'characters' },
      { line: 4, text: 'x'.repeat(256), reason: 'too-long' }
    ]);
  });
});

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

describe('mapLimited', () => {
  it('never runs more than the limit at once and keeps the order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimited([1, 2, 3, 4, 5, 6, 7], 3, async n => {
      running++;
      peak = Math.max(peak, running);
      await new Promise(resolve => setTimeout(resolve, 5 * (8 - n)));
      running--;
      return n * 2;
    });
    expect(results).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });
});

describe('checkServerName', () => {
  it('refuses what the hub refuses, and nothing else', () => {
    expect(checkServerName('')).toBe('empty');
    expect(checkServerName('a/b')).toBe('slash');
    expect(checkServerName('x'.repeat(256))).toBe('too-long');
    expect(checkServerName('x'.repeat(255))).toBeNull();
    expect(checkServerName('GPU big-1 ünï')).toBeNull();
    expect(checkServerName('GPU big-1 ünï', '5.5.4')).toBeNull();
  });

  it('checks JupyterHub 6 names as safe slugs', () => {
    for (const good of ['gpu', 'gpu-2', 'a', 'x'.repeat(30)]) {
      expect(checkServerName(good, '6.1.1')).toBeNull();
    }
    for (const bad of [
      'GPU',
      'big 1',
      '2gpu',
      'gpu-',
      'a--b',
      'ünï',
      'x'.repeat(31)
    ]) {
      expect(checkServerName(bad, '6.1.1')).toBe('not-slug');
    }
    expect(checkServerName('a/b', '6.1.1')).toBe('slash');
    expect(checkServerName('', '6.1.1')).toBe('empty');
  });
});

describe('sleep', () => {
  it('ends early when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10000, controller.signal);
    controller.abort();
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
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
