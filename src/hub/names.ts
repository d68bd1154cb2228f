import { TranslationBundle } from '@jupyterlab/translation';

/**
 * Names the hub takes: users one per line, server names per hub version.
 */

/**
 * The outcome of checking an "add users" text box, line by line.
 */
export interface IParsedUsernames {
  /** Names to send, normalised and without repeats. */
  names: string[];
  /** Lines that cannot be names, with why. */
  invalid: Array<{
    line: number;
    text: string;
    reason: 'characters' | 'too-long';
  }>;
  /** Names given more than once (after normalising). */
  duplicates: string[];
}

const MAX_USERNAME = 255;

/** What a username in a URL path cannot hold: spaces, URL syntax, controls. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const UNSAFE_IN_USERNAME = /[\s/\\?#%"'<>`]|[\u0000-\u001f\u007f]/;

/**
 * One name per line, as in the hub's own admin page: surrounding spaces and
 * blank lines are dropped, names are lower-cased as the hub does, repeats
 * collapse, and names the hub or a URL cannot hold are reported per line.
 */
export function parseUsernames(text: string): IParsedUsernames {
  const result: IParsedUsernames = { names: [], invalid: [], duplicates: [] };
  text.split(/\r?\n/).forEach((raw, index) => {
    const name = raw.trim().toLowerCase();
    if (!name) {
      return;
    }
    if (name.length > MAX_USERNAME) {
      result.invalid.push({
        line: index + 1,
        text: raw.trim(),
        reason: 'too-long'
      });
    } else if (UNSAFE_IN_USERNAME.test(name)) {
      result.invalid.push({
        line: index + 1,
        text: raw.trim(),
        reason: 'characters'
      });
    } else if (result.names.includes(name)) {
      if (!result.duplicates.includes(name)) {
        result.duplicates.push(name);
      }
    } else {
      result.names.push(name);
    }
  });
  return result;
}

/**
 * Why a server name cannot be used, or null. `hubVersion` picks the hub's own
 * rule: JupyterHub 5 refuses '/' and more than 255 characters; JupyterHub 6
 * takes only "safe slugs" (1-30 characters of lowercase ASCII letters, digits
 * and single hyphens, a letter first and no hyphen last).
 */
export function checkServerName(
  name: string,
  hubVersion: string | null = null
): ServerNameProblem | null {
  if (!name) {
    return 'empty';
  }
  if (name.includes('/')) {
    return 'slash';
  }
  if (majorVersion(hubVersion) >= 6) {
    return SAFE_SLUG.test(name) && !name.includes('--') ? null : 'not-slug';
  }
  if (name.length > MAX_USERNAME) {
    return 'too-long';
  }
  return null;
}

export type ServerNameProblem = 'empty' | 'slash' | 'too-long' | 'not-slug';

const SAFE_SLUG = /^[a-z](?:[a-z0-9-]{0,28}[a-z0-9])?$/;

function majorVersion(version: string | null): number {
  const major = Number.parseInt(version ?? '', 10);
  return Number.isFinite(major) ? major : 0;
}

/**
 * Why a server name is refused, in words.
 */
export function describeNameProblem(
  reason: ServerNameProblem,
  trans: TranslationBundle
): string {
  switch (reason) {
    case 'empty':
      return trans.__('Give the server a name.');
    case 'slash':
      return trans.__('A server name cannot contain “/”.');
    case 'too-long':
      return trans.__('A server name has at most 255 characters.');
    case 'not-slug':
      return trans.__(
        'This hub takes server names of 1 to 30 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen.'
      );
  }
}
