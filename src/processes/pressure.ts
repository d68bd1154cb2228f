import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { processLabel } from '../common/format';
import { IProcessInfo, IProcessesReply } from '../common/types';
import { buildProcessTree, kernelMemory } from './processTree';

/**
 * Fraction of the limit at which the warning starts (the setting's default).
 */
export const DEFAULT_MEMORY_THRESHOLD = 0.9;

/**
 * How far under the threshold usage must fall before the warning ends, so
 * that usage hovering around the threshold warns once, not on every poll.
 */
export const MEMORY_HYSTERESIS = 0.05;

/**
 * How many kernels a warning names.
 */
export const NAMED_KERNELS = 3;

/**
 * A running kernel as the warning names it.
 */
export interface IPressureKernel {
  id: string;
  /** The notebook's file name, else the session's or the kernelspec's name. */
  name: string;
  /** The document to open (a notebook or file session); null for a console or no session. */
  path: string | null;
  /** Resident bytes of the kernel and its children. */
  memory: number;
}

/**
 * What a warning says: usage against the limit and the largest kernels.
 */
export interface IMemoryWarning {
  /** Bytes, as the status item counts them (USS when measured, else RSS). */
  used: number;
  limit: number;
  /** used / limit. */
  fraction: number;
  /** The largest kernels, largest first. */
  kernels: IPressureKernel[];
}

/**
 * The user's memory and the limit that applies, as the status item shows
 * them; null when the reply states no limit.
 */
export function memoryUse(
  reply: IProcessesReply
): { used: number; limit: number } | null {
  const limit = reply.limits.memory_bytes;
  if (!Number.isFinite(limit) || limit <= 0) {
    return null;
  }
  return { used: reply.totals.uss_bytes ?? reply.totals.rss_bytes, limit };
}

/**
 * The `n` kernels that use the most memory, their children included (as the
 * Processes table sums them), largest first.
 */
export function largestKernels(
  reply: IProcessesReply,
  n: number = NAMED_KERNELS
): IPressureKernel[] {
  const memory = kernelMemory(
    buildProcessTree(reply.processes, { key: 'memory', descending: true })
  );
  const kernels = new Map<string, IPressureKernel>();
  for (const process of reply.processes) {
    if (process.kind === 'kernel' && process.kernel) {
      const id = process.kernel.id;
      if (!kernels.has(id)) {
        kernels.set(id, {
          id,
          ...describeKernel(process),
          memory: memory.get(id) ?? process.rss_bytes
        });
      }
    }
  }
  return [...kernels.values()]
    .sort(
      (a, b) =>
        b.memory - a.memory ||
        a.name.localeCompare(b.name) ||
        a.id.localeCompare(b.id)
    )
    .slice(0, Math.max(0, n));
}

/**
 * Whether the user's memory is near their limit: fed the scans, it emits
 * `crossed` once when usage reaches the threshold and `cleared` once when it
 * falls back under the threshold less the hysteresis. No DOM: the
 * notification is another module's job.
 */
export class MemoryPressure implements IDisposable {
  constructor(options: MemoryPressure.IOptions = {}) {
    this._threshold = clampThreshold(
      options.threshold ?? DEFAULT_MEMORY_THRESHOLD
    );
    this.hysteresis = options.hysteresis ?? MEMORY_HYSTERESIS;
    this._count = options.kernels ?? NAMED_KERNELS;
  }

  /** Emitted once per crossing up, with what the warning says. */
  get crossed(): ISignal<this, IMemoryWarning> {
    return this._crossed;
  }

  /**
   * Emitted while high when what the warning names changes: the kernels (a
   * different set, names or paths; not their figures, not their order) or
   * the limit.
   */
  get changed(): ISignal<this, IMemoryWarning> {
    return this._changed;
  }

  /** Emitted once when usage is no longer high. */
  get cleared(): ISignal<this, void> {
    return this._cleared;
  }

  /** The current warning while usage is high, else null. */
  get warning(): IMemoryWarning | null {
    return this._warning;
  }

  /** Fraction under the threshold that ends a warning. */
  readonly hysteresis: number;

  /**
   * Fraction of the limit (0..1) that starts a warning; 0 turns warnings off.
   * A change applies at once to the last reply, without the hysteresis: the
   * user said what counts as high now.
   */
  get threshold(): number {
    return this._threshold;
  }
  set threshold(value: number) {
    const threshold = clampThreshold(value);
    if (threshold !== this._threshold) {
      this._threshold = threshold;
      this._evaluate(true);
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Take a new scan into account; null (no scan yet) changes nothing.
   */
  update(reply: IProcessesReply | null): void {
    if (!reply || this._isDisposed) {
      return;
    }
    const limit = memoryUse(reply)?.limit ?? 0;
    // A larger limit is a new situation, not noise around the threshold:
    // it ends the warning as soon as usage is under the threshold.
    const limitGrew = this._limit > 0 && limit > this._limit;
    this._limit = limit;
    this._reply = reply;
    this._evaluate(limitGrew);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _evaluate(strict: boolean): void {
    const reply = this._reply;
    const use = reply && memoryUse(reply);
    if (!reply || !use || this._threshold <= 0) {
      this._lower();
      return;
    }
    const fraction = use.used / use.limit;
    const previous = this._warning;
    if (!previous) {
      if (fraction >= this._threshold) {
        this._warning = this._describe(reply, use, fraction);
        this._crossed.emit(this._warning);
      }
      return;
    }
    const floor = strict ? this._threshold : this._threshold - this.hysteresis;
    if (fraction < floor) {
      this._lower();
      return;
    }
    const warning = this._describe(reply, use, fraction);
    this._warning = warning;
    if (
      warning.limit !== previous.limit ||
      kernelsKey(warning.kernels) !== kernelsKey(previous.kernels)
    ) {
      this._changed.emit(warning);
    }
  }

  private _describe(
    reply: IProcessesReply,
    use: { used: number; limit: number },
    fraction: number
  ): IMemoryWarning {
    return { ...use, fraction, kernels: largestKernels(reply, this._count) };
  }

  private _lower(): void {
    if (this._warning) {
      this._warning = null;
      this._cleared.emit();
    }
  }

  private _threshold: number;
  private _count: number;
  private _reply: IProcessesReply | null = null;
  private _limit = 0;
  private _warning: IMemoryWarning | null = null;
  private _isDisposed = false;
  private _crossed = new Signal<this, IMemoryWarning>(this);
  private _changed = new Signal<this, IMemoryWarning>(this);
  private _cleared = new Signal<this, void>(this);
}

export namespace MemoryPressure {
  export interface IOptions {
    /** Fraction of the limit, 0..1 (default 0.9); 0 is off. */
    threshold?: number;
    /** Fraction under the threshold that ends a warning (default 0.05). */
    hysteresis?: number;
    /** How many kernels a warning names (default 3). */
    kernels?: number;
  }
}

function clampThreshold(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

/**
 * The name and document of a kernel: its notebook (or file) session first,
 * since a console's "path" is no document to open.
 */
function describeKernel(
  process: IProcessInfo
): Pick<IPressureKernel, 'name' | 'path'> {
  const kernel = process.kernel!;
  const document = kernel.sessions.find(s => s.type !== 'console' && s.path);
  if (document) {
    return { name: baseName(document.path), path: document.path };
  }
  const session = kernel.sessions[0];
  if (session) {
    return {
      name: session.name || baseName(processLabel(process)),
      path: null
    };
  }
  // Kernels without a session are told apart by their id.
  return { name: `${kernel.kernelspec} ${kernel.id.slice(0, 8)}`, path: null };
}

function baseName(path: string): string {
  return path.split('/').filter(Boolean).pop() ?? path;
}

/**
 * What a warning names, regardless of order and figures.
 */
function kernelsKey(kernels: ReadonlyArray<IPressureKernel>): string {
  return kernels
    .map(k => JSON.stringify([k.id, k.name, k.path]))
    .sort()
    .join('\n');
}
