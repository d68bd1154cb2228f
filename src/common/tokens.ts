import { IDisposable } from '@lumino/disposable';
import { ISignal } from '@lumino/signaling';
import { Token } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';
import { IProcessesReply } from './types';

/**
 * The Kernel Manager sidebar. Each part (Kernels, Environments, Processes,
 * Hub) is a plugin that adds its section here; another extension can add one
 * the same way.
 */
export interface IKernelManagerPanel {
  /** The sidebar widget's id, to reveal it with `app.shell.activateById`. */
  readonly id: string;
  /**
   * Add a section; sections are ordered by rank, lowest first (Kernels 100,
   * Environments 200, Processes 300, Hub 400).
   */
  addSection(section: Widget, rank: number): void;
}

export const IKernelManagerPanel = new Token<IKernelManagerPanel>(
  'jupyterlab-kernel-manager:IKernelManagerPanel',
  'The Kernel Manager sidebar, to which sections add themselves.'
);

/**
 * The latest scan of the user's processes, for other parts to show (the
 * Kernels section's memory per kernel, the memory status item).
 */
export interface IProcessesSource {
  readonly changed: ISignal<any, void>;
  /** The latest scan, or null before the first. */
  readonly reply: IProcessesReply | null;
  /** Memory of each running kernel with its children, by kernel id. */
  readonly kernelMemory: ReadonlyMap<string, number>;
  /** Keep scanning while the handle is not disposed. */
  watch(): IDisposable;
  /** Scan now; rejects when the scan fails. */
  refresh(): Promise<void>;
}

export const IProcessesSource = new Token<IProcessesSource>(
  'jupyterlab-kernel-manager:IProcessesSource',
  "The user's processes, scanned while someone watches them."
);
