import { IProcessInfo } from './types';

/**
 * Bytes as a person reads them: 0 B, 12.3 MB, 1.2 GB.
 */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) {
    return '';
  }
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/**
 * What a person calls the process: the notebook of a kernel, the terminal's
 * name, else the program's name.
 */
export function processLabel(process: IProcessInfo): string {
  const session = process.kernel?.sessions[0];
  if (session) {
    return session.path || session.name;
  }
  if (process.terminal) {
    return process.terminal.name;
  }
  return process.name;
}

/**
 * What an error says (a server's or the hub's own message); the UI adds
 * what to do about it.
 */
export function describeError(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
