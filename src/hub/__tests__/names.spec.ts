import { checkServerName, parseUsernames } from '../names';

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
