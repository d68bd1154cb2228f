import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandIDs } from '../common/commandIds';
import { addToMenus } from '../common/palette';
import { IKernelManagerPanel } from '../common/tokens';
import { EnvironmentsClient } from './api';
import {
  addEnvironmentCommands,
  ENVIRONMENT_PALETTE_COMMANDS,
  ENVIRONMENT_ROW_SELECTOR,
  SHARED_ROW_SELECTOR
} from './commands';
import { EnvironmentsSection } from './EnvironmentsSection';
import { addExportCommands } from './exportCommands';
import { addFromFileCommands } from './fromFileCommands';
import { EnvironmentsModel } from './model';
import { SharedEnvironmentsClient } from './sharedApi';
import {
  addSharedEnvironmentCommands,
  SHARED_PALETTE_COMMANDS
} from './sharedCommands';
import { SharedEnvironmentsModel } from './sharedModel';

/**
 * The Environments section: the user's own ipykernel environments, with a
 * live log of each job, packages, and removal.
 */
export const environmentsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-kernel-manager:environments',
  description:
    'The Environments section: create, fill and remove your own environments.',
  autoStart: true,
  requires: [IKernelManagerPanel],
  optional: [ICommandPalette, ITranslator, IFileBrowserFactory],
  activate: (
    app: JupyterFrontEnd,
    panel: IKernelManagerPanel,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    browsers: IFileBrowserFactory | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_kernel_manager'
    );
    const { serviceManager } = app;
    const model = new EnvironmentsModel({
      kernelspecs: serviceManager.kernelspecs,
      client: new EnvironmentsClient({
        serverSettings: serviceManager.serverSettings
      })
    });
    const shared = new SharedEnvironmentsModel({
      environments: model,
      kernelspecs: serviceManager.kernelspecs,
      client: new SharedEnvironmentsClient({
        serverSettings: serviceManager.serverSettings
      })
    });
    panel.addSection(
      new EnvironmentsSection({ model, shared, commands: app.commands, trans }),
      200
    );
    addEnvironmentCommands({
      app,
      model,
      shared,
      kernels: serviceManager.kernels,
      trans
    });
    addSharedEnvironmentCommands({
      app,
      model: shared,
      kernels: serviceManager.kernels,
      trans
    });
    addToMenus({
      app,
      palette,
      trans,
      paletteCommands: SHARED_PALETTE_COMMANDS,
      rowCommands: [
        CommandIDs.listSharedPackages,
        CommandIDs.addSharedPackages,
        CommandIDs.exportEnvironment,
        CommandIDs.deleteSharedEnvironment
      ],
      rowSelector: SHARED_ROW_SELECTOR
    });
    addToMenus({
      app,
      palette,
      trans,
      paletteCommands: ENVIRONMENT_PALETTE_COMMANDS,
      rowCommands: [
        CommandIDs.listPackages,
        CommandIDs.addPackages,
        CommandIDs.deleteEnvironment
      ],
      rowSelector: ENVIRONMENT_ROW_SELECTOR
    });
    // Reproducible environments: export, clone, create from a file.
    addExportCommands({ app, model, shared, browsers, trans });
    addFromFileCommands({ app, browsers, trans });
    addToMenus({
      app,
      palette,
      trans,
      paletteCommands: [
        CommandIDs.exportEnvironment,
        CommandIDs.cloneEnvironment
      ],
      rowCommands: [CommandIDs.exportEnvironment, CommandIDs.cloneEnvironment],
      rowSelector: ENVIRONMENT_ROW_SELECTOR
    });
  }
};
