import { PanelWithToolbar } from '@jupyterlab/ui-components';
import { IDisposable } from '@lumino/disposable';
import { Message } from '@lumino/messaging';

/**
 * A model that keeps itself current while someone watches it.
 */
export interface IWatchable {
  /** Keep current until the returned handle is disposed. */
  watch(): IDisposable;
}

/**
 * A sidebar section that watches its model only while it is shown, so that a
 * collapsed section or a closed sidebar asks nothing of the server.
 */
export class WatchingSection extends PanelWithToolbar {
  constructor(model: IWatchable) {
    super();
    this._watched = model;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._watch ??= this._watched.watch();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._watch ??= this._watched.watch();
    }
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._stopWatching();
  }

  protected onBeforeDetach(msg: Message): void {
    this._stopWatching();
    super.onBeforeDetach(msg);
  }

  dispose(): void {
    this._stopWatching();
    super.dispose();
  }

  private _stopWatching(): void {
    this._watch?.dispose();
    this._watch = null;
  }

  private _watched: IWatchable;
  private _watch: IDisposable | null = null;
}
