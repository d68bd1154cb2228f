import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { Poll } from '@lumino/polling';

/**
 * Default seconds between two refreshes of the Hub section while it is shown.
 */
export const DEFAULT_HUB_INTERVAL = 30;

/**
 * Default milliseconds between the end of a start or stop and the refresh
 * that follows it: a stopped server's kernels outlive it by a second or two.
 */
export const DEFAULT_FOLLOW_UP_DELAY = 3000;

/** Longest wait between two refreshes while the hub keeps failing. */
const MAX_BACKOFF = 5 * 60 * 1000;

/**
 * When the Hub section loads its data: on demand, every `interval` while
 * someone watches it (backing off while the hub fails), and once more
 * `followUpDelay` after a start or stop.
 */
export class HubRefresh implements IDisposable {
  constructor(options: HubRefresh.IOptions) {
    this._load = options.load;
    this._failure = options.failure;
    this.followUpDelay = options.followUpDelay ?? DEFAULT_FOLLOW_UP_DELAY;
    const interval = (options.interval ?? DEFAULT_HUB_INTERVAL) * 1000;
    this._poll = new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: { interval, backoff: true, max: Math.max(interval, MAX_BACKOFF) },
      name: 'jupyterlab-kernel-manager:hub',
      // Nobody looking (section collapsed, sidebar closed): no requests.
      standby: () => (this._watchers === 0 ? true : 'when-hidden')
    });
  }

  /** Milliseconds from the end of a start or stop to one more refresh. */
  followUpDelay: number;

  /**
   * Seconds between two refreshes while the section is shown.
   */
  set interval(seconds: number) {
    const interval = Math.max(1, seconds) * 1000;
    if (interval !== this._poll.frequency.interval) {
      this._poll.frequency = {
        ...this._poll.frequency,
        interval,
        max: Math.max(interval, MAX_BACKOFF)
      };
    }
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  /**
   * Keep the data current while the returned handle is not disposed (the
   * section is shown). The first watcher refreshes at once unless a load
   * ended less than `interval` ago (the plugin's own at page load, say):
   * then the poll asks again when that load is `interval` old.
   */
  watch(): IDisposable {
    this._watchers++;
    if (this._watchers === 1) {
      const interval = this._poll.frequency.interval;
      const age = Date.now() - this._loadedAt;
      if (!this._loading && age < interval) {
        void this._poll.schedule({ phase: 'started', interval: interval - age });
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
   * Load now; one that worked (a Retry, say) ends the poll's back-off.
   */
  async refresh(): Promise<void> {
    await this._track(this._load());
    if (this._poll.state.phase === 'rejected' && this._failure() === null) {
      void this._poll.schedule({ phase: 'reconnected' });
    }
  }

  /**
   * Refresh once more `followUpDelay` from now (through the poll: not while
   * nobody looks).
   */
  followUp(): void {
    clearTimeout(this._followUpTimer);
    this._followUpTimer = setTimeout(() => {
      this._followUpTimer = undefined;
      void this._poll.refresh();
    }, this.followUpDelay);
  }

  dispose(): void {
    clearTimeout(this._followUpTimer);
    this._poll.dispose();
  }

  /** Note `run` as the load under way until it ends. */
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

  /**
   * One tick of the poll: the load under way if there is one (the page's
   * first, say), else a new one; rejects when the hub failed so that the
   * poll backs off.
   */
  private async _tick(): Promise<void> {
    await (this._loading ?? this._track(this._load()));
    const failure = this._failure();
    if (failure !== null) {
      throw new Error(failure);
    }
  }

  private _load: () => Promise<void>;
  private _failure: () => string | null;
  private _poll: Poll;
  private _watchers = 0;
  private _loading: Promise<void> | null = null;
  private _loadedAt = -Infinity;
  private _followUpTimer: ReturnType<typeof setTimeout> | undefined = undefined;
}

export namespace HubRefresh {
  export interface IOptions {
    /** Loads the section's data; never rejects (a failure is kept for `failure`). */
    load: () => Promise<void>;
    /** Why the last load failed, or null when it worked. */
    failure: () => string | null;
    /** Seconds between two refreshes while watched (default 30). */
    interval?: number;
    /** See `followUpDelay` (default 3000). */
    followUpDelay?: number;
  }
}
