import { ICullingSettings, IProcessInfo } from '../common/types';

/**
 * Pure functions about idle kernels: how long a kernel has been idle, which
 * kernels the server's culler will shut down and when, and which kernels
 * "Shut down idle kernels…" offers. Times are the server's epoch seconds
 * (the reply's timestamp), never the browser's clock.
 */

/**
 * Seconds since an idle kernel's last message, or null when the process is no
 * kernel, is not idle, or its last activity is unknown.
 */
export function idleSeconds(process: IProcessInfo, now: number): number | null {
  const kernel = process.kernel;
  if (
    process.kind !== 'kernel' ||
    !kernel ||
    kernel.execution_state !== 'idle' ||
    kernel.last_activity === null
  ) {
    return null;
  }
  return Math.max(0, now - kernel.last_activity);
}

/**
 * When the culler will shut a kernel down.
 */
export interface ICullForecast {
  /** Seconds left before the kernel has been idle for the timeout. */
  remaining: number;
  /** Whether the culler's next check or two may take it. */
  next: boolean;
}

/**
 * When the server's culler shuts this kernel down if nobody uses it, as
 * jupyter_server decides (`MappingKernelManager.cull_kernel_if_idle`): idle
 * for longer than the timeout, not busy unless `busy`, without connections
 * unless `connected`. Null when it never will as things stand.
 */
export function cullForecast(
  process: IProcessInfo,
  culling: ICullingSettings | null,
  now: number
): ICullForecast | null {
  const kernel = process.kernel;
  if (
    !culling ||
    culling.idle_timeout <= 0 ||
    process.kind !== 'kernel' ||
    !kernel ||
    kernel.last_activity === null
  ) {
    return null;
  }
  if (kernel.execution_state === 'busy' && !culling.busy) {
    return null;
  }
  if (kernel.connections > 0 && !culling.connected) {
    return null;
  }
  const idle = Math.max(0, now - kernel.last_activity);
  const remaining = Math.max(0, culling.idle_timeout - idle);
  // The culler looks every `interval`: a kernel past the timeout goes at the
  // next look, one within an interval of it at the look after at the latest.
  return { remaining, next: remaining <= Math.max(culling.interval, 60) };
}

/**
 * A kernel that "Shut down idle kernels…" may shut down.
 */
export interface IIdleKernel {
  id: string;
  /** The notebook (or console) it runs for, else its kernelspec. */
  name: string;
  idleSeconds: number;
  connections: number;
  /** Resident memory of the kernel and its children. */
  memory: number;
}

/**
 * The kernels idle for at least `minutes`, longest idle first; those with open
 * connections only with `includeConnected`.
 */
export function idleKernels(options: {
  processes: ReadonlyArray<IProcessInfo>;
  now: number;
  minutes: number;
  includeConnected: boolean;
  /** Memory of each kernel with its children, by kernel id. */
  memory: ReadonlyMap<string, number>;
  label: (process: IProcessInfo) => string;
}): IIdleKernel[] {
  const found: IIdleKernel[] = [];
  for (const process of options.processes) {
    const idle = idleSeconds(process, options.now);
    const kernel = process.kernel;
    if (idle === null || !kernel || idle < options.minutes * 60) {
      continue;
    }
    if (kernel.connections > 0 && !options.includeConnected) {
      continue;
    }
    found.push({
      id: kernel.id,
      name: options.label(process),
      idleSeconds: idle,
      connections: kernel.connections,
      memory: options.memory.get(kernel.id) ?? process.rss_bytes
    });
  }
  return found.sort((a, b) => b.idleSeconds - a.idleSeconds);
}
