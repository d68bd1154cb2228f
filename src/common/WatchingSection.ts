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
  constructor(...models: IWatchable[]) {
    super();
    this._watched = models;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._startWatching();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      this._startWatching();
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

  private _startWatching(): void {
    this._watches ??= this._watched.map(model => model.watch());
  }

  private _stopWatching(): void {
    this._watches?.forEach(watch => watch.dispose());
    this._watches = null;
  }

  private _watched: IWatchable[];
  private _watches: IDisposable[] | null = null;
}
