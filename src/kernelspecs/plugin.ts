import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandIDs } from '../common/commandIds';
import { addToMenus } from '../common/palette';
import { followSettings } from '../common/settings';
import { IKernelManagerPanel, IProcessesSource } from '../common/tokens';
import { KernelSpecsClient } from './api';
import {
  addKernelSpecCommands,
  KERNELSPEC_PALETTE_COMMANDS,
  KERNELSPEC_ROW_SELECTOR
} from './commands';
import { KernelsSection } from './KernelsSection';
import { KernelSpecsModel } from './model';
import {
  addUserSiteCommands,
  USER_SITE_PALETTE_COMMANDS
} from './userSiteCommands';

const PLUGIN_ID = 'jupyterlab-kernel-manager:kernels';

/**
 * The Kernels section: every kernelspec the user can launch, where it lives,
 * whether it still works; launch, rename, remove.
 */
export const kernelsPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'The Kernels section: list, launch, rename and remove kernelspecs.',
  autoStart: true,
  requires: [IKernelManagerPanel],
  optional: [IProcessesSource, ICommandPalette, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    panel: IKernelManagerPanel,
    processes: IProcessesSource | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_kernel_manager'
    );
    const { serviceManager } = app;
    const model = new KernelSpecsModel({
      kernelspecs: serviceManager.kernelspecs,
      kernels: serviceManager.kernels,
      client: new KernelSpecsClient({
        serverSettings: serviceManager.serverSettings
      })
    });
    const section = new KernelsSection({
      model,
      commands: app.commands,
      trans,
      processes: processes ?? undefined
    });
    panel.addSection(section, 100);
    addKernelSpecCommands({ app, model, section, panelId: panel.id, trans });
    addUserSiteCommands({ app, trans, selected: () => section.selected });
    addToMenus({
      app,
      palette,
      trans,
      paletteCommands: [
        ...KERNELSPEC_PALETTE_COMMANDS,
        ...USER_SITE_PALETTE_COMMANDS
      ],
      rowCommands: [
        CommandIDs.newNotebook,
        CommandIDs.newConsole,
        CommandIDs.renameKernelSpec,
        CommandIDs.editKernelSpec,
        CommandIDs.removeKernelSpec
      ],
      rowSelector: KERNELSPEC_ROW_SELECTOR
    });
    followSettings(settingRegistry, PLUGIN_ID, settings => {
      model.showBroken = settings.get('showBrokenKernels').composite as boolean;
    });
  }
};
