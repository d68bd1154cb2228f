import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';

/**
 * When a model loads its data: on demand, every `interval` while someone
 * watches it (a shown section, a status item) or for as long as it lives
 * (`watched: false`), backing off while loading fails, and once more
 * `followUpDelay` after an action whose effects show late.
 */
export class WatchedPoll implements IDisposable {
  constructor(options: WatchedPoll.IOptions) {
    this._load = options.load;
    this._failure = options.failure;
    this._maxBackoff = options.maxBackoff ?? 60 * 1000;
    this.followUpDelay = options.followUpDelay ?? 0;
    const watched = options.watched ?? true;
    const interval = options.interval;
    this._poll = new Poll({
      auto: !watched,
      factory: () => this._tick(),
      frequency: {
        interval,
        backoff: true,
        max: Math.max(interval, this._maxBackoff)
      },
      name: options.name,
      // Nobody looking: no requests at all.
      standby: watched
        ? () => (this._watchers === 0 ? true : 'when-hidden')
        : 'when-hidden'
    });
  }

  /** Milliseconds from `followUp()` to the refresh it asks for. */
  followUpDelay: number;

  /** Milliseconds between two loads. */
  get interval(): number {
    return this._poll.frequency.interval;
  }
  set interval(ms: number) {
    const interval = Math.max(1000, ms);
    if (interval !== this._poll.frequency.interval) {
      this._poll.frequency = {
        ...this._poll.frequency,
        interval,
        max: Math.max(interval, this._maxBackoff)
      };
    }
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /**
   * Keep loading while the returned handle is not disposed. The first watcher
   * loads at once unless the last load is younger than the interval (the
   * next one is then due when it would have been).
   */
  watch(): IDisposable {
    this._watchers++;
    if (this._watchers === 1) {
      const interval = this._poll.frequency.interval;
      const age = Date.now() - this._loadedAt;
      if (!this._loading && age < interval) {
        void this._poll.schedule({
          phase: 'started',
          interval: interval - age
        });
      } else {
        void this._poll.start();
        void this._poll.refresh();
      }
    }
    return new DisposableDelegate(() => {
      this._watchers--;
    });
  }

  /**
   * Load now; a poll backing off after failures resumes its pace when this
   * load succeeds.
   */
  async refresh(): Promise<void> {
    await this._track(this._load());
    if (this._poll.state.phase === 'rejected' && this._failure() === null) {
      void this._poll.schedule({ phase: 'reconnected' });
    }
  }

  /** Load once more `followUpDelay` from now (again restarts the wait). */
  followUp(): void {
    clearTimeout(this._followUpTimer);
    this._followUpTimer = setTimeout(() => {
      this._followUpTimer = undefined;
      void this._poll.refresh();
    }, this.followUpDelay);
  }

  /** Load again soon, without waiting for the interval. */
  soon(): void {
    void this._poll.refresh();
  }

  dispose(): void {
    clearTimeout(this._followUpTimer);
    this._poll.dispose();
  }

  private _track(run: Promise<void>): Promise<void> {
    const tracked = run.finally(() => {
      this._loadedAt = Date.now();
      if (this._loading === tracked) {
        this._loading = null;
      }
    });
    this._loading = tracked;
    return tracked;
  }

  private async _tick(): Promise<void> {
    // A load already under way (a refresh) counts as this tick's.
    await (this._loading ?? this._track(this._load()));
    const failure = this._failure();
    if (failure !== null) {
      // Rejected so the poll backs off.
      throw new Error(failure);
    }
  }

  private _load: () => Promise<void>;
  private _failure: () => string | null;
  private _maxBackoff: number;
  private _poll: Poll;
  private _watchers = 0;
  private _loading: Promise<void> | null = null;
  private _loadedAt = -Infinity;
  private _followUpTimer: ReturnType<typeof setTimeout> | undefined = undefined;
}

export namespace WatchedPoll {
  export interface IOptions {
    /** The poll's name, `jupyterlab-kernel-manager:<what>`. */
    name: string;
    /** Load the data; never rejects (failures are read through `failure`). */
    load: () => Promise<void>;
    /** Why the last load failed, or null. */
    failure: () => string | null;
    /** Milliseconds between two loads. */
    interval: number;
    /** Longest wait while loading fails (default one minute). */
    maxBackoff?: number;
    /** Milliseconds from `followUp()` to its refresh (default 0). */
    followUpDelay?: number;
    /** Poll only while watched (default), or for as long as it lives. */
    watched?: boolean;
  }
}
