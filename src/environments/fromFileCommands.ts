import { JupyterFrontEnd } from '@jupyterlab/application';
import { showErrorMessage } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { CommandIDs } from '../common/commandIds';
import { formatOfFile, readRequirementsFile } from './requirementsFile';

/**
 * The file browser's items that are files (the command hides itself on
 * files whose names are not requirement files).
 */
export const FILE_ITEM_SELECTOR = '.jp-DirListing-item[data-isdir="false"]';

export interface IFromFileCommandsOptions {
  app: JupyterFrontEnd;
  browsers: IFileBrowserFactory | null;
  trans: TranslationBundle;
}

/**
 * "Create Environment from This File": reads the file (`path`, else the file
 * browser's selected file) and opens the New Environment form with it.
 */
export function addFromFileCommands(options: IFromFileCommandsOptions): void {
  const { app, browsers, trans } = options;
  const selected = (args: ReadonlyPartialJSONObject): string | null => {
    if (typeof args.path === 'string') {
      return args.path;
    }
    const browser = browsers?.tracker.currentWidget;
    const item = browser?.selectedItems().next();
    return item && !item.done && item.value.type !== 'directory'
      ? item.value.path
      : null;
  };
  app.commands.addCommand(CommandIDs.createEnvironmentFromFile, {
    label: trans.__('Create Environment from This File…'),
    caption: trans.__(
      'A new environment with the packages of a requirements.txt, pylock.toml, environment.yml or pyproject.toml'
    ),
    isVisible: args => {
      const path = selected(args);
      return path !== null && formatOfFile(path) !== null;
    },
    execute: async args => {
      const path = selected(args);
      if (path === null) {
        return;
      }
      try {
        const file = await readRequirementsFile(
          app.serviceManager.contents,
          path
        );
        return await app.commands.execute(CommandIDs.newEnvironment, {
          requirementsFile: { ...file }
        });
      } catch (error) {
        await showErrorMessage(
          trans.__('Cannot create an environment from %1', path),
          error as Error
        );
      }
    }
  });
  app.contextMenu.addItem({
    command: CommandIDs.createEnvironmentFromFile,
    selector: FILE_ITEM_SELECTOR,
    rank: 50
  });
}
