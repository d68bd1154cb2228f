import { Notification } from '@jupyterlab/apputils';
import { ServiceManager } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';
import { describeError, formatBytes } from '../common/format';
import { IProcessesSource } from '../common/tokens';
import {
  DEFAULT_MEMORY_THRESHOLD,
  IMemoryWarning,
  IPressureKernel,
  MemoryPressure
} from './pressure';

/**
 * JupyterLab cuts a toast's message after this many characters (the toast
 * code in @jupyterlab/apputils-extension; the `Notification` docs say so).
 */
export const MAX_MESSAGE_LENGTH = 140;

/** Longest notebook name in the message, and in a button's label. */
const NAME_IN_MESSAGE = 24;
const NAME_IN_LABEL = 14;

/**
 * Warn with one JupyterLab notification when the user's memory nears their
 * limit, naming the largest kernels with a "Shut down" and an "Open" action
 * for each; the warning follows the scans of the processes model, which it
 * watches while warnings are on, and goes when usage falls back.
 */
export class MemoryPressureNotifier implements IDisposable {
  constructor(options: MemoryPressureNotifier.IOptions) {
    this._model = options.model;
    this._services = options.services;
    this._commands = options.commands;
    this._trans = options.trans;
    this._refresh = options.refresh ?? null;
    this._pressure = new MemoryPressure({
      threshold: options.threshold ?? DEFAULT_MEMORY_THRESHOLD
    });
    this._pressure.crossed.connect(this._onCrossed, this);
    this._pressure.changed.connect(this._onChanged, this);
    this._pressure.cleared.connect(this._dismiss, this);
    this.configure({
      enabled: options.enabled ?? true,
      threshold: this._pressure.threshold
    });
  }

  /** The model of usage and kernels behind the warning. */
  get pressure(): MemoryPressure {
    return this._pressure;
  }

  /** The notification shown now, or null. */
  get notificationId(): string | null {
    return this._id;
  }

  get isDisposed(): boolean {
    return this._pressure.isDisposed;
  }

  /**
   * Apply the settings: warnings on or off, and the threshold as a fraction
   * of the limit (0 is off too). While off, the model is not watched.
   */
  configure(settings: MemoryPressureNotifier.ISettings): void {
    if (this.isDisposed) {
      return;
    }
    const active = settings.enabled && settings.threshold > 0;
    // Off, the pressure model clears (and the warning goes) at once.
    this._pressure.threshold = active ? settings.threshold : 0;
    if (active && !this._watch) {
      // The poll is shared and counted: with the status item or the section
      // also watching, this adds no request.
      this._watch = this._model.watch();
      this._model.changed.connect(this._onModelChanged, this);
      this._onModelChanged();
    } else if (!active) {
      this._unwatch();
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._unwatch();
    this._dismiss();
    this._pressure.dispose();
  }

  private _unwatch(): void {
    if (this._watch) {
      this._watch.dispose();
      this._watch = null;
      this._model.changed.disconnect(this._onModelChanged, this);
    }
  }

  private _onModelChanged(): void {
    this._pressure.update(this._model.reply);
  }

  private _onCrossed(_: MemoryPressure, warning: IMemoryWarning): void {
    this._dismiss();
    this._id = Notification.warning(this._message(warning), {
      autoClose: false,
      actions: this._actions(warning)
    });
  }

  /**
   * Named kernels or the limit changed while high. Updating shows the toast
   * again if the user had hidden it, hence only then, not on every scan.
   */
  private _onChanged(_: MemoryPressure, warning: IMemoryWarning): void {
    if (this._id === null) {
      return;
    }
    const updated = Notification.update({
      id: this._id,
      message: this._message(warning),
      type: 'warning',
      autoClose: false,
      actions: this._actions(warning)
    });
    if (!updated) {
      // The user dismissed it in the notification centre: no more until the
      // next crossing.
      this._id = null;
    }
  }

  private _dismiss(): void {
    if (this._id !== null) {
      Notification.dismiss(this._id);
      this._id = null;
    }
  }

  /**
   * The longest message that JupyterLab shows whole: as many kernels as fit.
   */
  private _message(warning: IMemoryWarning): string {
    const trans = this._trans;
    const percent = Math.floor(warning.fraction * 100);
    const used = formatBytes(warning.used);
    const limit = formatBytes(warning.limit);
    for (let n = warning.kernels.length; n > 0; n--) {
      const named = warning.kernels
        .slice(0, n)
        .map(kernel =>
          trans.__(
            '%1 %2',
            shorten(kernel.name, NAME_IN_MESSAGE),
            formatBytes(kernel.memory)
          )
        )
        .join(', ');
      const message = trans.__(
        'Your memory is at %1%% of your limit (%2 of %3). Largest kernels: %4',
        percent,
        used,
        limit,
        named
      );
      if (message.length <= MAX_MESSAGE_LENGTH) {
        return message;
      }
    }
    return trans.__(
      'Your memory is at %1%% of your limit (%2 of %3).',
      percent,
      used,
      limit
    );
  }

  /**
   * "Shut down" and "Open" for each named kernel. Both keep the notification
   * (JupyterLab removes it after an action unless told not to): it is the
   * one warning of this crossing, and it follows what the action does. After
   * a shutdown the model scans again, the warning names the kernels that are
   * left (and loses the buttons of the one shut down), or goes if usage fell
   * back; dismissing it and showing a new one would make the toast jump, and
   * not showing one while still high would hide what can still be freed.
   */
  private _actions(warning: IMemoryWarning): Notification.IAction[] {
    const trans = this._trans;
    const actions: Notification.IAction[] = [];
    for (const kernel of warning.kernels) {
      const label = shorten(kernel.name, NAME_IN_LABEL);
      actions.push({
        label: trans.__('Shut down %1', label),
        caption: trans.__(
          'Shut down the kernel of %1 (%2): its variables are lost',
          kernel.path ?? kernel.name,
          formatBytes(kernel.memory)
        ),
        displayType: 'warn',
        callback: event => {
          event.preventDefault();
          void this._shutDown(kernel);
        }
      });
      const path = kernel.path;
      if (path !== null) {
        actions.push({
          label: trans.__('Open %1', label),
          caption: trans.__('Open %1', path),
          callback: event => {
            event.preventDefault();
            void this._open(path);
          }
        });
      }
    }
    return actions;
  }

  /**
   * Shut the kernel down at once, without the confirmation other shutdowns
   * ask for: the button names the notebook, and so near the limit the
   * system's out-of-memory killer may end a kernel without asking anyone.
   */
  private async _shutDown(kernel: IPressureKernel): Promise<void> {
    if (this._pending.has(kernel.id)) {
      return;
    }
    this._pending.add(kernel.id);
    try {
      await this._services.kernels.shutdown(kernel.id);
    } catch (error) {
      Notification.error(
        this._trans.__(
          'Could not shut down the kernel of %1: %2',
          kernel.name,
          describeError(error)
        ),
        { autoClose: false }
      );
    } finally {
      this._pending.delete(kernel.id);
    }
    if (this._refresh && !this.isDisposed) {
      await this._refresh().catch(error =>
        console.warn('Kernel manager: could not list processes', error)
      );
    }
  }

  private async _open(path: string): Promise<void> {
    try {
      await this._commands.execute('docmanager:open', { path });
    } catch (error) {
      Notification.error(
        this._trans.__('Could not open %1: %2', path, describeError(error)),
        { autoClose: false }
      );
    }
  }

  private _model: IProcessesSource;
  private _services: ServiceManager.IManager;
  private _commands: CommandRegistry;
  private _trans: TranslationBundle;
  private _refresh: (() => Promise<void>) | null;
  private _pressure: MemoryPressure;
  private _watch: IDisposable | null = null;
  private _id: string | null = null;
  private _pending = new Set<string>();
}

export namespace MemoryPressureNotifier {
  export interface IOptions extends Partial<ISettings> {
    model: IProcessesSource;
    services: ServiceManager.IManager;
    commands: CommandRegistry;
    trans: TranslationBundle;
    /** Scan again now; without it the next poll shows a shutdown's effect. */
    refresh?: () => Promise<void>;
  }

  export interface ISettings {
    /** Warn at all (default true). */
    enabled: boolean;
    /** Fraction of the limit, 0..1 (default 0.9); 0 is off. */
    threshold: number;
  }
}

/**
 * Start warning of memory pressure; dispose the result to stop.
 */
export function followMemoryPressure(
  options: MemoryPressureNotifier.IOptions
): MemoryPressureNotifier {
  return new MemoryPressureNotifier(options);
}

/**
 * A name cut to `max` characters: without its extension first, then in its
 * middle, so that "analysis-2024-01.ipynb" and "analysis-2024-02.ipynb" stay
 * apart (the full path is in the caption).
 */
export function shorten(name: string, max: number): string {
  if (name.length <= max) {
    return name;
  }
  const stem = name.replace(/\.[A-Za-z0-9]{1,8}$/, '') || name;
  if (stem.length <= max) {
    return stem;
  }
  const tail = Math.floor((max - 1) / 2);
  const head = stem.slice(0, max - 1 - tail).trimEnd();
  return `${head}…${stem.slice(stem.length - tail).trimStart()}`;
}
