import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

/**
 * Put commands in the palette under the Kernel Manager's category, and those
 * that act on one row in the context menu of the rows matching `selector`.
 */
export function addToMenus(options: {
  app: JupyterFrontEnd;
  palette: ICommandPalette | null;
  trans: TranslationBundle;
  paletteCommands: ReadonlyArray<string>;
  rowCommands?: ReadonlyArray<string>;
  rowSelector?: string;
}): void {
  const { app, palette, trans, rowSelector } = options;
  const category = trans.__('Kernel Manager');
  for (const command of options.paletteCommands) {
    palette?.addItem({ command, category });
  }
  if (rowSelector) {
    (options.rowCommands ?? []).forEach((command, rank) => {
      app.contextMenu.addItem({ command, selector: rowSelector, rank });
    });
  }
}
