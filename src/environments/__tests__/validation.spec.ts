import { formatBytes } from '../../common/format';
import {
  checkEnvironmentName,
  firstBadPackage,
  parsePackages
} from '../validation';

describe('checkEnvironmentName', () => {
  it('accepts what Jupyter accepts, ignoring case and surrounding spaces', () => {
    expect(checkEnvironmentName('my-env_1.2')).toBeNull();
    expect(checkEnvironmentName(' Data ')).toBeNull();
  });

  it('says why a name is refused', () => {
    expect(checkEnvironmentName('')).toBe('empty');
    expect(checkEnvironmentName('   ')).toBe('empty');
    expect(checkEnvironmentName('.')).toBe('dots');
    expect(checkEnvironmentName('..')).toBe('dots');
    expect(checkEnvironmentName('a b')).toBe('characters');
    expect(checkEnvironmentName('a/b')).toBe('characters');
    expect(checkEnvironmentName('é')).toBe('characters');
    expect(checkEnvironmentName('.hidden')).toBe('start');
    expect(checkEnvironmentName('-rf')).toBe('start');
    expect(checkEnvironmentName('x'.repeat(65))).toBe('too-long');
    expect(checkEnvironmentName('x'.repeat(64))).toBeNull();
  });
});

describe('parsePackages', () => {
  it('takes one requirement per line, without blanks, comments or repeats', () => {
    expect(
      parsePackages(
        'numpy\n\n  pandas>=2 \n# a comment\nrequests # http\nnumpy\r\nscipy'
      )
    ).toEqual(['numpy', 'pandas>=2', 'requests', 'scipy']);
    expect(parsePackages('')).toEqual([]);
  });

  it('keeps markers and extras intact', () => {
    expect(parsePackages('black[jupyter]; python_version >= "3.9"')).toEqual([
      'black[jupyter]; python_version >= "3.9"'
    ]);
  });
});

describe('firstBadPackage', () => {
  it('finds options and paths', () => {
    expect(firstBadPackage(['numpy', '--index-url=http://x'])).toBe(
      '--index-url=http://x'
    );
    expect(firstBadPackage(['./local'])).toBe('./local');
    expect(firstBadPackage(['/abs/path'])).toBe('/abs/path');
    expect(firstBadPackage(['numpy', 'pandas'])).toBeNull();
  });
});

describe('formatBytes', () => {
  it('rounds to a readable unit', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(250_000_000)).toBe('250 MB');
    expect(formatBytes(null)).toBe('');
  });
});
