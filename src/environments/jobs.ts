import { IDisposable } from '@lumino/disposable';
import { PromiseDelegate } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';
import { WatchedPoll } from '../common/watchedPoll';
import { EnvironmentsClient } from './api';
import { IJobReply, IJobSummary, JobState } from '../common/types';

/**
 * How often a running job is asked for new log lines, in ms.
 */
const JOB_INTERVAL = 500;

/**
 * Keep at most this many log lines in the browser; the server keeps the rest.
 */
const MAX_LOG_LINES = 10000;

/**
 * One server-side job (creating an environment, adding packages), followed
 * until it ends: its state and a log that grows while it runs.
 */
export class JobModel implements IDisposable {
  constructor(options: JobModel.IOptions) {
    this._client = options.client;
    this._summary = { ...options.summary };
    // Followed for as long as the job runs, whether or not its log is shown.
    this._poll = new WatchedPoll({
      name: `jupyterlab-kernel-manager:job-${options.summary.id}`,
      load: () => this._fetch(),
      failure: () => this._connectionError,
      interval: options.interval ?? JOB_INTERVAL,
      maxBackoff: 10 * 1000,
      watched: false
    });
    if (this.isFinished) {
      // Fetch the whole log once; there is nothing to follow.
      this._poll.soon();
    }
  }

  get id(): string {
    return this._summary.id;
  }

  get kind(): IJobSummary['kind'] {
    return this._summary.kind;
  }

  /**
   * The environment the job works on.
   */
  get environment(): string {
    return this._summary.environment;
  }

  get state(): JobState {
    return this._summary.state;
  }

  get isFinished(): boolean {
    return this._summary.state !== 'running';
  }

  /**
   * One line on why it failed or was cancelled, or null.
   */
  get error(): string | null {
    return this._summary.error;
  }

  get exitStatus(): number | null {
    return this._summary.exit_status;
  }

  get log(): ReadonlyArray<string> {
    return this._log;
  }

  /**
   * Lines dropped from the start of `log` to bound memory.
   */
  get droppedLines(): number {
    return this._dropped;
  }

  /**
   * Emitted when the state changes or log lines arrive.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Resolves with the job once it has ended, whatever the outcome.
   */
  get done(): Promise<JobModel> {
    return this._done.promise;
  }

  /**
   * Why the last request for the job failed (it is retried), or null.
   */
  get connectionError(): string | null {
    return this._connectionError;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Ask the server to stop the job; its state then turns `cancelled`.
   */
  async cancel(): Promise<void> {
    await this._client.cancelJob(this.id);
    // The next fetch brings the final state and the last lines.
    this._poll.soon();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private async _fetch(): Promise<void> {
    let reply: IJobReply;
    try {
      reply = await this._client.job(this.id, this._next);
    } catch (error) {
      if (!this._isDisposed) {
        // Read by the poll, which backs off.
        this._connectionError = (error as Error).message ?? String(error);
        this._changed.emit();
      }
      return;
    }
    this._connectionError = null;
    this._apply(reply);
  }

  private _apply(reply: IJobReply): void {
    if (this._isDisposed) {
      return;
    }
    const { log, next, ...summary } = reply;
    let changed = summary.state !== this._summary.state;
    this._summary = summary;
    if (log.length > 0) {
      this._log.push(...log);
      this._next = next;
      changed = true;
      const excess = this._log.length - MAX_LOG_LINES;
      if (excess > 0) {
        this._log.splice(0, excess);
        this._dropped += excess;
      }
    }
    if (changed) {
      this._changed.emit();
    }
    // A finished job is fetched until its last lines are in: `next` stops
    // moving once the server has nothing more.
    if (this.isFinished) {
      if (log.length === 0) {
        this._poll.dispose();
        this._done.resolve(this);
      } else {
        this._poll.soon();
      }
    }
  }

  private _client: EnvironmentsClient;
  private _summary: IJobSummary;
  private _log: string[] = [];
  private _next = 0;
  private _dropped = 0;
  private _connectionError: string | null = null;
  private _poll: WatchedPoll;
  private _done = new PromiseDelegate<JobModel>();
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace JobModel {
  export interface IOptions {
    client: EnvironmentsClient;
    /** What is known of the job when it starts being followed. */
    summary: IJobSummary;
    /** Poll interval in ms. */
    interval?: number;
  }
}
