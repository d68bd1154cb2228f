/**
 * Checks done in the browser before anything is sent, so a user sees the
 * problem while typing. The server checks everything again.
 */

/**
 * What Jupyter allows in a kernelspec name, since each environment gets a
 * kernelspec of its name; it must also start with a letter or digit (no
 * hidden folder, no name read as a command-line option).
 */
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

export const MAX_ENVIRONMENT_NAME = 64;

/**
 * Why a name cannot be used, as a message key, or null when it can.
 */
export type NameProblem =
  'empty' | 'too-long' | 'characters' | 'dots' | 'start' | null;

/**
 * Check an environment name as the server will (after lower-casing, which
 * Jupyter does to kernelspec names too).
 */
export function checkEnvironmentName(raw: string): NameProblem {
  const name = raw.trim().toLowerCase();
  if (!name) {
    return 'empty';
  }
  if (name.length > MAX_ENVIRONMENT_NAME) {
    return 'too-long';
  }
  if (name === '.' || name === '..') {
    return 'dots';
  }
  if (!NAME_PATTERN.test(name)) {
    return /^[a-z0-9._-]+$/.test(name) ? 'start' : 'characters';
  }
  return null;
}

/**
 * Split a text box into requirements: one per line, blank lines and
 * `#` comments dropped, as in a requirements file.
 */
export function parsePackages(text: string): string[] {
  const packages: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const requirement = line.replace(/(^|\s)#.*$/, '').trim();
    if (requirement && !packages.includes(requirement)) {
      packages.push(requirement);
    }
  }
  return packages;
}

/**
 * The first line that is plainly not a requirement (an option such as
 * `--index-url`, or a path), or null. The server does the full PEP 508 check.
 */
export function firstBadPackage(
  packages: ReadonlyArray<string>
): string | null {
  return (
    packages.find(
      requirement =>
        requirement.startsWith('-') ||
        requirement.startsWith('.') ||
        requirement.startsWith('/') ||
        requirement.startsWith('~')
    ) ?? null
  );
}
