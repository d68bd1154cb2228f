import { Kernel, KernelSpec } from '@jupyterlab/services';
import { JSONExt } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { LoadStatus } from '../common/pollingModel';
import { isSwitchedOff } from '../common/request';
import { KernelSpecsClient } from './api';
import { IEditKernelSpec, IKernelSpecDetails } from '../common/types';

/**
 * One kernelspec as the Kernels section shows it: what JupyterLab's own
 * kernelspec manager knows, our server's details, and how many kernels of
 * it are running.
 */
export interface IKernelSpecItem {
  name: string;
  displayName: string;
  language: string;
  /** URL of the spec's logo, or null when it has none. */
  logoUrl: string | null;
  argv: string[];
  /** Number of running kernels started from this spec. */
  running: number;
  /** Null until our server extension answered (or when it failed). */
  details: IKernelSpecDetails | null;
  /** The spec cannot start: its interpreter is gone or kernel.json is bad. */
  broken: boolean;
  /** The user may rename or remove it. */
  writable: boolean;
}

/**
 * State of the Kernels section.
 *
 * The list of specs comes from `app.serviceManager.kernelspecs` so that the
 * launcher, the kernel pickers and this panel always agree; after any change
 * on disk the model calls `refreshSpecs()` and lets `specsChanged` drive
 * everything else.
 */
export class KernelSpecsModel implements IDisposable {
  constructor(options: KernelSpecsModel.IOptions) {
    this._specs = options.kernelspecs;
    this._kernels = options.kernels;
    this._client = options.client;
    this._specs.specsChanged.connect(this._onSpecsChanged, this);
    this._kernels.runningChanged.connect(this._onRunningChanged, this);
    this._rebuild();
    void this._fetchDetails();
  }

  /**
   * Emitted when `items`, `status` or `error` change.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Every kernelspec, sorted by display name; broken ones are left out when
   * `showBroken` is false.
   */
  get items(): ReadonlyArray<IKernelSpecItem> {
    return this._showBroken
      ? this._items
      : this._items.filter(item => !item.broken);
  }

  /**
   * The number of broken specs, hidden or not.
   */
  get brokenCount(): number {
    return this._items.filter(item => item.broken).length;
  }

  get status(): LoadStatus {
    return this._status;
  }

  /**
   * Why the details could not be loaded, or null.
   */
  get error(): string | null {
    return this._error;
  }

  /**
   * The user's own kernels directory, as the server sees it.
   */
  get userKernelsDir(): string | null {
    return this._userKernelsDir;
  }

  get showBroken(): boolean {
    return this._showBroken;
  }
  set showBroken(value: boolean) {
    if (value !== this._showBroken) {
      this._showBroken = value;
      this._changed.emit();
    }
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * The item of that name, hidden or not.
   */
  get(name: string): IKernelSpecItem | undefined {
    return this._items.find(item => item.name === name);
  }

  /**
   * Ask the server again for the specs and their details.
   */
  async refresh(): Promise<void> {
    // refreshSpecs() emits specsChanged only on a real change, so the
    // details are fetched here as well (a spec's interpreter may have gone).
    await Promise.all([this._specs.refreshSpecs(), this._fetchDetails()]);
  }

  /**
   * Change a spec's display name, then refresh the application's specs so
   * the launcher and kernel pickers show it at once.
   */
  async rename(name: string, displayName: string): Promise<void> {
    await this._client.rename(name, displayName);
    await this.refresh();
  }

  /**
   * Edit a spec (any of display name, env, extra arguments, interrupt mode),
   * then refresh the application's specs so the launcher follows at once.
   */
  async edit(name: string, changes: IEditKernelSpec): Promise<void> {
    await this._client.edit(name, changes);
    await this.refresh();
  }

  /**
   * Remove a spec from disk, then refresh the application's specs.
   *
   * @param force - remove it even when kernels of it are running.
   */
  async remove(name: string, force = false): Promise<void> {
    await this._client.remove(name, force);
    await this.refresh();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    Signal.clearData(this);
  }

  private _onRunningChanged(): void {
    this._rebuild();
  }

  private _onSpecsChanged(): void {
    this._rebuild();
    void this._fetchDetails();
  }

  /**
   * Fetch our server's details; only the newest answer is kept, so two
   * refreshes racing each other cannot leave stale data behind.
   */
  private async _fetchDetails(): Promise<void> {
    const ticket = ++this._ticket;
    try {
      const reply = await this._client.details();
      if (ticket !== this._ticket || this._isDisposed) {
        return;
      }
      this._details = reply.kernelspecs;
      this._userKernelsDir = reply.user_kernels_dir;
      this._status = 'ready';
      this._error = null;
    } catch (error) {
      if (ticket !== this._ticket || this._isDisposed) {
        return;
      }
      if (isSwitchedOff(error)) {
        // Listed from the server's kernelspecs API; nothing may be changed.
        this._details = {};
        this._status = 'off';
        this._error = null;
      } else {
        console.error(
          'Kernel manager: could not load kernelspec details',
          error
        );
        this._status = 'error';
        this._error = (error as Error).message ?? String(error);
      }
    }
    this._rebuild(true);
  }

  /**
   * Merge specs, details and running counts; emit only on a real change.
   */
  private _rebuild(force = false): void {
    if (this._isDisposed) {
      return;
    }
    const running = new Map<string, number>();
    for (const kernel of this._kernels.running()) {
      running.set(kernel.name, (running.get(kernel.name) ?? 0) + 1);
    }
    const specs = this._specs.specs?.kernelspecs ?? {};
    const items: IKernelSpecItem[] = [];
    for (const [name, spec] of Object.entries(specs)) {
      if (!spec) {
        continue;
      }
      const details = this._details[name] ?? null;
      const resources = spec.resources ?? {};
      items.push({
        name,
        displayName: spec.display_name || name,
        language: spec.language ?? '',
        logoUrl: resources['logo-svg'] || resources['logo-64x64'] || null,
        argv: [...(spec.argv ?? [])],
        running: running.get(name) ?? 0,
        details,
        broken: !!details && (!!details.error || !details.interpreter_exists),
        writable: !!details?.writable
      });
    }
    items.sort(compareItems);
    const itemsChanged = !JSONExt.deepEqual(items as any, this._items as any);
    if (itemsChanged) {
      this._items = items;
    }
    if (itemsChanged || force) {
      this._changed.emit();
    }
  }

  private _specs: KernelSpec.IManager;
  private _kernels: Kernel.IManager;
  private _client: KernelSpecsClient;
  private _details: { [name: string]: IKernelSpecDetails } = {};
  private _userKernelsDir: string | null = null;
  private _items: IKernelSpecItem[] = [];
  private _status: LoadStatus = 'loading';
  private _error: string | null = null;
  private _showBroken = true;
  private _ticket = 0;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

export namespace KernelSpecsModel {
  export interface IOptions {
    kernelspecs: KernelSpec.IManager;
    kernels: Kernel.IManager;
    client: KernelSpecsClient;
  }
}

/**
 * Sort by display name as a person reads it, then by name for ties.
 */
function compareItems(a: IKernelSpecItem, b: IKernelSpecItem): number {
  return (
    a.displayName.localeCompare(b.displayName, undefined, {
      sensitivity: 'base',
      numeric: true
    }) || a.name.localeCompare(b.name)
  );
}

/**
 * The items whose display name, name or language contain every word of the
 * query, ignoring case.
 */
export function filterKernelSpecs(
  items: ReadonlyArray<IKernelSpecItem>,
  query: string
): ReadonlyArray<IKernelSpecItem> {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    return items;
  }
  return items.filter(item => {
    const haystack =
      `${item.displayName}\n${item.name}\n${item.language}`.toLowerCase();
    return words.every(word => haystack.includes(word));
  });
}
