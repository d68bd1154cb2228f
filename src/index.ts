import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import {
  EnvironmentsClient,
  KernelSpecsClient,
  ProcessesClient
} from './common/server';
import { CommandIDs } from './common/commandIds';
import { addKernelSpecCommands, KERNELSPEC_PALETTE_COMMANDS, KERNELSPEC_ROW_SELECTOR } from './kernelspecs/commands';
import {
  addEnvironmentCommands,
  ENVIRONMENT_PALETTE_COMMANDS,
  ENVIRONMENT_ROW_SELECTOR
} from './environments/commands';
import { EnvironmentsModel } from './environments/model';
import { HubClient } from './hub/api';
import { addHubCommands, HUB_PALETTE_COMMANDS } from './hub/commands';
import { HubModel } from './hub/model';
import { KernelSpecsModel } from './kernelspecs/model';
import { HubSection } from './hub/HubSection';
import { DEFAULT_PROCESS_INTERVAL, ProcessesModel } from './processes/model';
import { addProcessCommands, PROCESS_PALETTE_COMMANDS } from './processes/commands';
import { MemoryStatus } from './processes/MemoryStatus';
import { ProcessesSection } from './processes/ProcessesSection';
import { EnvironmentsSection } from './environments/EnvironmentsSection';
import { KernelManagerPanel } from './panel/KernelManagerPanel';
import { KernelsSection } from './kernelspecs/KernelsSection';

const PLUGIN_ID = 'jupyterlab-kernel-manager:plugin';

/**
 * The Kernel Manager sidebar and its Kernels section.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'A sidebar to list, launch, rename and remove the kernelspecs you can use.',
  autoStart: true,
  optional: [
    ICommandPalette,
    ISettingRegistry,
    ITranslator,
    ILayoutRestorer,
    IStatusBar
  ],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    statusBar: IStatusBar | null
  ): void => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_kernel_manager');
    const { serviceManager } = app;

    const { serverSettings } = serviceManager;
    const model = new KernelSpecsModel({
      kernelspecs: serviceManager.kernelspecs,
      kernels: serviceManager.kernels,
      client: new KernelSpecsClient({ serverSettings })
    });
    const environments = new EnvironmentsModel({
      kernelspecs: serviceManager.kernelspecs,
      client: new EnvironmentsClient({ serverSettings })
    });
    const processes = new ProcessesModel({
      client: new ProcessesClient({ serverSettings }),
      interval: DEFAULT_PROCESS_INTERVAL
    });
    const panel = new KernelManagerPanel({
      trans,
      translator: translator ?? undefined
    });
    const section = new KernelsSection({
      model,
      commands: app.commands,
      trans,
      processes
    });
    panel.addWidget(section);
    panel.addWidget(
      new EnvironmentsSection({
        model: environments,
        commands: app.commands,
        trans
      })
    );

    panel.addWidget(
      new ProcessesSection({ model: processes, commands: app.commands, trans })
    );

    // Under JupyterHub only: outside a hub nothing else changes.
    const hubPrefix = PageConfig.getOption('hubPrefix');
    let hubCommands: string[] = [];
    let hub: HubModel | null = null;
    if (hubPrefix) {
      hub = new HubModel({
        client: new HubClient({
          hubPrefix,
          hubHost: PageConfig.getOption('hubHost'),
          token: PageConfig.getToken()
        }),
        user:
          PageConfig.getOption('hubServerUser') ||
          PageConfig.getOption('hubUser')
      });
      panel.addWidget(new HubSection({ model: hub, commands: app.commands, trans }));
      addHubCommands({ app, model: hub, trans });
      hubCommands = HUB_PALETTE_COMMANDS;
      // Who we are and what we may (the commands need it); the users page
      // waits until the section is shown.
      void hub.identify();
    }

    addKernelSpecCommands({ app, model, section, panelId: panel.id, trans });
    addProcessCommands({
      app,
      model: processes,
      services: serviceManager,
      trans
    });
    addEnvironmentCommands({
      app,
      model: environments,
      kernels: serviceManager.kernels,
      trans
    });

    app.shell.add(panel, 'left', { rank: 300 });
    restorer?.add(panel, 'jupyterlab-kernel-manager');

    const category = trans.__('Kernel Manager');
    for (const command of [
      ...KERNELSPEC_PALETTE_COMMANDS,
      ...ENVIRONMENT_PALETTE_COMMANDS,
      ...PROCESS_PALETTE_COMMANDS,
      ...hubCommands
    ]) {
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

    [
      CommandIDs.listPackages,
      CommandIDs.addPackages,
      CommandIDs.deleteEnvironment
    ].forEach((command, index) => {
      app.contextMenu.addItem({
        command,
        selector: ENVIRONMENT_ROW_SELECTOR,
        rank: index
      });
    });

    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          let memoryItem: { dispose(): void } | null = null;
          const apply = () => {
            model.showBroken = settings.get('showBrokenKernels')
              .composite as boolean;
            processes.interval = settings.get('processRefreshInterval')
              .composite as number;
            if (hub) {
              hub.interval = settings.get('hubRefreshInterval')
                .composite as number;
            }
            // The item polls while it exists: remove it rather than hide it.
            const showMemory = settings.get('showMemoryInStatusBar')
              .composite as boolean;
            if (showMemory && statusBar && !memoryItem) {
              const item = new MemoryStatus({
                model: processes,
                trans,
                onClick: () => app.shell.activateById(panel.id)
              });
              const registration = statusBar.registerStatusItem(
                'jupyterlab-kernel-manager:memory',
                { item, align: 'left', rank: 100 }
              );
              memoryItem = {
                dispose: () => {
                  registration.dispose();
                  item.dispose();
                }
              };
            } else if (!showMemory && memoryItem) {
              memoryItem.dispose();
              memoryItem = null;
            }
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
