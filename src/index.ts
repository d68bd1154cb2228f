import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { KernelSpecsClient } from './api/server';
import {
  addKernelSpecCommands,
  CommandIDs,
  KERNELSPEC_PALETTE_COMMANDS,
  KERNELSPEC_ROW_SELECTOR
} from './commands';
import { KernelSpecsModel } from './models/kernelspecs';
import { KernelManagerPanel } from './widgets/KernelManagerPanel';
import { KernelsSection } from './widgets/KernelsSection';

const PLUGIN_ID = 'jupyterlab-kernel-manager:plugin';

/**
 * The Kernel Manager sidebar and its Kernels section.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'A sidebar to list, launch, rename and remove the kernelspecs you can use.',
  autoStart: true,
  optional: [ICommandPalette, ISettingRegistry, ITranslator, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_kernel_manager');
    const { serviceManager } = app;

    const model = new KernelSpecsModel({
      kernelspecs: serviceManager.kernelspecs,
      kernels: serviceManager.kernels,
      client: new KernelSpecsClient({
        serverSettings: serviceManager.serverSettings
      })
    });
    const panel = new KernelManagerPanel({
      trans,
      translator: translator ?? undefined
    });
    const section = new KernelsSection({
      model,
      commands: app.commands,
      trans
    });
    panel.addWidget(section);

    addKernelSpecCommands({ app, model, section, panelId: panel.id, trans });

    app.shell.add(panel, 'left', { rank: 300 });
    restorer?.add(panel, 'jupyterlab-kernel-manager');

    const category = trans.__('Kernel Manager');
    for (const command of KERNELSPEC_PALETTE_COMMANDS) {
      palette?.addItem({ command, category });
    }
    [
      CommandIDs.newNotebook,
      CommandIDs.newConsole,
      CommandIDs.renameKernelSpec,
      CommandIDs.removeKernelSpec
    ].forEach((command, index) => {
      app.contextMenu.addItem({
        command,
        selector: KERNELSPEC_ROW_SELECTOR,
        rank: index
      });
    });

    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = () => {
            model.showBroken = settings.get('showBrokenKernels')
              .composite as boolean;
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.error('Kernel manager: could not load settings', reason);
        });
    }
  }
};

export default plugin;
