import { TranslationBundle } from '@jupyterlab/translation';
import {
  IEditKernelSpec,
  IKernelSpecDetails,
  InterruptMode
} from '../common/types';

/**
 * The bounds the server enforces (jupyterlab_kernel_manager/kernelspec_edit.py),
 * checked here too so that the form says what is wrong before sending.
 */
export const MAX_ENV_VARIABLES = 64;
export const MAX_ENV_NAME_LENGTH = 128;
export const MAX_ENV_VALUE_LENGTH = 4096;
export const MAX_EXTRA_ARGUMENTS = 64;
export const MAX_ARGUMENT_LENGTH = 1024;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// jupyter_client fills these in; the server refuses them in extra arguments.
const PLACEHOLDER = /\{[A-Za-z0-9_]+\}/;
const CONNECTION_FILE_OPTION =
  /^(?:-f[\s\S]*|--f(?:=[\s\S]*)?|--(?:[A-Za-z_]+\.)?connection_file(?:=[\s\S]*)?)$/;
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * One environment variable row of the form.
 */
export interface IEnvRow {
  name: string;
  value: string;
}

/**
 * What the edit form holds.
 */
export interface IEditValues {
  displayName: string;
  env: IEnvRow[];
  /** One argument per line. */
  extraArguments: string;
  interruptMode: InterruptMode;
}

/**
 * The form's starting values: the spec as the server describes it.
 */
export function initialValues(
  displayName: string,
  details: IKernelSpecDetails
): IEditValues {
  return {
    displayName,
    env: Object.entries(details.env).map(([name, value]) => ({ name, value })),
    extraArguments: details.extra_arguments.join('\n'),
    interruptMode: details.interrupt_mode
  };
}

/**
 * The rows that hold something: a row left blank is no variable.
 */
function filledRows(rows: ReadonlyArray<IEnvRow>): IEnvRow[] {
  return rows.filter(row => row.name.trim() !== '' || row.value !== '');
}

/**
 * The extra arguments, one per non-blank line (a Windows line end is not
 * part of an argument).
 */
export function parseArguments(text: string): string[] {
  return text
    .split('\n')
    .map(line => line.replace(/\r$/, ''))
    .filter(line => line.trim() !== '');
}

/**
 * The environment variables as an object, in the rows' order.
 */
export function envObject(rows: ReadonlyArray<IEnvRow>): {
  [name: string]: string;
} {
  const env: { [name: string]: string } = {};
  for (const row of filledRows(rows)) {
    env[row.name.trim()] = row.value;
  }
  return env;
}

/**
 * What is wrong with a text the kernel would get, or null.
 */
function textProblem(
  text: string,
  max: number,
  trans: TranslationBundle
): string | null {
  if (text.length > max) {
    return trans.__('it is longer than %1 characters', max);
  }
  if (text.includes('\0')) {
    return trans.__('it holds a NUL character');
  }
  if (LONE_SURROGATE.test(text)) {
    return trans.__('it holds a lone surrogate');
  }
  return null;
}

/**
 * A message on the first thing wrong with the values, or null when they can
 * be sent.
 */
export function editProblem(
  values: IEditValues,
  trans: TranslationBundle
): string | null {
  if (!values.displayName.trim()) {
    return trans.__('The display name cannot be empty.');
  }
  const rows = filledRows(values.env);
  if (rows.length > MAX_ENV_VARIABLES) {
    return trans.__(
      'A kernel may have at most %1 environment variables.',
      MAX_ENV_VARIABLES
    );
  }
  const seen = new Set<string>();
  for (const row of rows) {
    const name = row.name.trim();
    if (!ENV_NAME.test(name) || name.length > MAX_ENV_NAME_LENGTH) {
      return trans.__(
        '“%1” is not a variable name: use letters, digits and “_”, not starting with a digit (at most %2).',
        name,
        MAX_ENV_NAME_LENGTH
      );
    }
    if (seen.has(name)) {
      return trans.__('%1 is set twice.', name);
    }
    seen.add(name);
    const problem = textProblem(row.value, MAX_ENV_VALUE_LENGTH, trans);
    if (problem) {
      return trans.__('The value of %1 cannot be used: %2.', name, problem);
    }
  }
  const args = parseArguments(values.extraArguments);
  if (args.length > MAX_EXTRA_ARGUMENTS) {
    return trans.__(
      'A kernel may have at most %1 extra arguments.',
      MAX_EXTRA_ARGUMENTS
    );
  }
  for (const arg of args) {
    const problem =
      textProblem(arg, MAX_ARGUMENT_LENGTH, trans) ??
      (PLACEHOLDER.test(arg)
        ? trans.__('only the kernel’s own arguments may hold {placeholders}')
        : CONNECTION_FILE_OPTION.test(arg)
          ? trans.__('it would change the kernel’s connection file')
          : null);
    if (problem) {
      return trans.__('The argument “%1” cannot be used: %2.', arg, problem);
    }
  }
  return null;
}

/**
 * The request: only what changed from `initial`, so that an edit of the
 * name alone never rewrites the command line. Empty when nothing changed.
 */
export function editRequest(
  initial: IEditValues,
  values: IEditValues
): IEditKernelSpec {
  const request: IEditKernelSpec = {};
  const displayName = values.displayName.trim();
  if (displayName !== initial.displayName.trim()) {
    request.display_name = displayName;
  }
  const env = envObject(values.env);
  if (JSON.stringify(env) !== JSON.stringify(envObject(initial.env))) {
    request.env = env;
  }
  const args = parseArguments(values.extraArguments);
  if (
    JSON.stringify(args) !==
    JSON.stringify(parseArguments(initial.extraArguments))
  ) {
    request.extra_arguments = args;
  }
  if (values.interruptMode !== initial.interruptMode) {
    request.interrupt_mode = values.interruptMode;
  }
  return request;
}
