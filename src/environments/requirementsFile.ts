import { Contents } from '@jupyterlab/services';
import { IRequirementsFile, RequirementsFileFormat } from '../common/types';

/**
 * A requirements file the user chose: where it is, and what was read.
 */
export interface IChosenFile extends IRequirementsFile {
  path: string;
}

/**
 * The server takes request bodies up to 256 KiB; the file must fit in one.
 */
export const MAX_FILE_BYTES = 250 * 1024;

const PATTERNS: Array<[RegExp, RequirementsFileFormat]> = [
  [/^requirements.*\.txt$/i, 'requirements.txt'],
  [/^pylock.*\.toml$/i, 'pylock.toml'],
  [/^environment.*\.ya?ml$/i, 'environment.yml'],
  [/^pyproject\.toml$/i, 'pyproject.toml']
];

/**
 * The format of a file by its name (the last part of `path`), or null when
 * it is none an environment can be created from.
 */
export function formatOfFile(path: string): RequirementsFileFormat | null {
  const name = path.split('/').pop() ?? '';
  const found = PATTERNS.find(([pattern]) => pattern.test(name));
  return found ? found[1] : null;
}

/**
 * Read a requirements file through the contents API.
 *
 * @throws an Error saying why it cannot be used (not a known name, too big).
 */
export async function readRequirementsFile(
  contents: Contents.IManager,
  path: string
): Promise<IChosenFile> {
  const format = formatOfFile(path);
  if (!format) {
    throw new Error(
      'Not a requirements*.txt, pylock*.toml, environment*.yml or pyproject.toml file.'
    );
  }
  const info = await contents.get(path, { content: false });
  if (info.type !== 'file' || (info.size ?? 0) > MAX_FILE_BYTES) {
    throw new Error(`Not a text file of at most ${MAX_FILE_BYTES} bytes.`);
  }
  const model = await contents.get(path, { content: true, format: 'text' });
  if (typeof model.content !== 'string') {
    throw new Error('The file is not text.');
  }
  return { path, format, content: model.content };
}

/**
 * A path in `folder` for `filename` that no file has yet (name-1.ext...).
 */
export async function freePath(
  contents: Contents.IManager,
  folder: string,
  filename: string
): Promise<string> {
  const dot = filename.indexOf('.');
  const stem = dot > 0 ? filename.slice(0, dot) : filename;
  const suffix = dot > 0 ? filename.slice(dot) : '';
  for (let i = 0; i < 100; i++) {
    const name = i === 0 ? filename : `${stem}-${i}${suffix}`;
    const path = folder ? `${folder}/${name}` : name;
    try {
      await contents.get(path, { content: false });
    } catch {
      // Missing (or unreadable, and then saving says why): free.
      return path;
    }
  }
  throw new Error(`Too many files named like ${filename} in this folder.`);
}

/**
 * The New Environment form's initial values from a command's argument
 * `requirementsFile` ({path, format, content}), when it is one.
 */
export function chosenFileOf(
  value: unknown
): { requirementsFile: IChosenFile } | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const { path, format, content } = value as Record<string, unknown>;
  if (typeof path !== 'string' || typeof content !== 'string') {
    return undefined;
  }
  const known = formatOfFile(path);
  return known !== null && format === known
    ? { requirementsFile: { path, format: known, content } }
    : undefined;
}

/**
 * What a creation request carries of a chosen file (not its path).
 */
export function fileRequestOf(file: IChosenFile): IRequirementsFile {
  return { format: file.format, content: file.content };
}
