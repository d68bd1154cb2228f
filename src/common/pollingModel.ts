import { JSONExt } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { isSwitchedOff } from './request';
import { WatchedPoll } from './watchedPoll';

/**
 * Where a section's data stands. 'off': an administrator switched its routes
 * off on this server (`KernelManagerConfig.disabled_routes`).
 */
export type LoadStatus = 'loading' | 'ready' | 'error' | 'off';

/**
 * A model whose state is one reply the server sends, loaded again while
 * someone watches it: the poll, the newest-answer-wins ticket, status, error,
 * `changed` (only on real change) and disposal, for every such model.
 */
export abstract class PollingModel<T> implements IDisposable {
  constructor(options: PollingModel.IOptions) {
    this.poll = new WatchedPoll({
      name: options.name,
      load: () => this._load(),
      // Switched off is no failure to back off from: the poll just rests.
      failure: () => (this._status === 'error' ? this._error : null),
      interval: options.interval,
      maxBackoff: options.maxBackoff,
      watched: options.watched
    });
  }

  /** Emitted when the reply, status or error change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The latest reply, or null before the first. */
  get reply(): T | null {
    return this._reply;
  }

  get status(): LoadStatus {
    return this._status;
  }

  /** Why the last load failed, or null. */
  get error(): string | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Keep loading while the returned handle is not disposed (a shown section,
   * a status item).
   */
  watch(): IDisposable {
    return this.poll.watch();
  }

  /** Load now; rejects with the error when loading fails. */
  async refresh(): Promise<void> {
    await this.poll.refresh();
    if (this._status === 'error' && this._lastError !== null) {
      throw this._lastError;
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.poll.dispose();
    Signal.clearData(this);
  }

  /** Ask the server for the current reply. */
  protected abstract request(): Promise<T>;

  /** Called with each new reply before `changed` is emitted. */
  protected onReply(_reply: T): void {
    // Nothing to derive by default.
  }

  protected emitChanged(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  protected readonly poll: WatchedPoll;

  private async _load(): Promise<void> {
    // Only the newest answer counts when a poll and a refresh race.
    const ticket = ++this._ticket;
    let reply: T;
    try {
      reply = await this.request();
    } catch (error) {
      if (ticket === this._ticket && !this._isDisposed) {
        this._failed(error);
      }
      return;
    }
    if (ticket !== this._ticket || this._isDisposed) {
      return;
    }
    const changed =
      this._status !== 'ready' ||
      !JSONExt.deepEqual(reply as any, (this._reply ?? null) as any);
    this._reply = reply;
    this._status = 'ready';
    this._error = null;
    this._lastError = null;
    if (changed) {
      this.onReply(reply);
      this.emitChanged();
    }
  }

  private _failed(error: unknown): void {
    const off = isSwitchedOff(error);
    const status: LoadStatus = off ? 'off' : 'error';
    const message = (error as Error)?.message ?? String(error);
    this._lastError = off ? null : error;
    if (this._status !== status || this._error !== message) {
      this._status = status;
      this._error = off ? null : message;
      this.emitChanged();
    }
  }

  private _reply: T | null = null;
  private _status: LoadStatus = 'loading';
  private _error: string | null = null;
  private _lastError: unknown = null;
  private _ticket = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace PollingModel {
  export interface IOptions {
    /** The poll's name, `jupyterlab-kernel-manager:<what>`. */
    name: string;
    /** Milliseconds between two loads. */
    interval: number;
    /** Longest wait while loading fails (default one minute). */
    maxBackoff?: number;
    /** Poll only while watched (default), or for as long as it lives. */
    watched?: boolean;
  }
}
