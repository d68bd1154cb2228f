import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { IDisposable } from '@lumino/disposable';
import { addToMenus } from '../common/palette';
import { followSettings } from '../common/settings';
import { IKernelManagerPanel, IProcessesSource } from '../common/tokens';
import { ProcessesClient } from './api';
import { addProcessCommands, PROCESS_PALETTE_COMMANDS } from './commands';
import { addIdleKernelCommands } from './idleCommands';
import { HistoryClient } from './historyApi';
import {
  addHistoryCommands,
  HISTORY_PALETTE_COMMANDS
} from './historyCommands';
import { ProcessHistory } from './historyModel';
import { followMemoryPressure } from './pressureNotification';
import { MemoryStatus } from './MemoryStatus';
import { DEFAULT_PROCESS_INTERVAL, ProcessesModel } from './model';
import { ProcessesSection } from './ProcessesSection';

const PROCESSES_ID = 'jupyterlab-kernel-manager:processes';
const MEMORY_STATUS_ID = 'jupyterlab-kernel-manager:memory-status';
/** "Shut down idle kernels…" starts with kernels idle this long. */
const DEFAULT_IDLE_MINUTES = 60;

/**
 * The Processes section: the user's processes with CPU and memory, and
 * signals; provides the scans to the other parts.
 */
export const processesPlugin: JupyterFrontEndPlugin<IProcessesSource> = {
  id: PROCESSES_ID,
  description:
    'The Processes section: your processes with CPU and memory, and signals.',
  autoStart: true,
  provides: IProcessesSource,
  requires: [IKernelManagerPanel],
  optional: [ICommandPalette, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    panel: IKernelManagerPanel,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): IProcessesSource => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_kernel_manager'
    );
    const { serviceManager } = app;
    const model = new ProcessesModel({
      client: new ProcessesClient({
        serverSettings: serviceManager.serverSettings
      }),
      interval: DEFAULT_PROCESS_INTERVAL
    });
    const history = new ProcessHistory({
      client: new HistoryClient({
        serverSettings: serviceManager.serverSettings
      }),
      processes: model
    });
    panel.addSection(
      new ProcessesSection({ model, history, commands: app.commands, trans }),
      300
    );
    addHistoryCommands({ app, model, history, trans });
    addProcessCommands({ app, model, services: serviceManager, trans });
    let idleMinutes = DEFAULT_IDLE_MINUTES;
    addIdleKernelCommands({
      app,
      model,
      services: serviceManager,
      trans,
      idleMinutes: () => idleMinutes
    });
    addToMenus({
      app,
      palette,
      trans,
      paletteCommands: [
        ...PROCESS_PALETTE_COMMANDS,
        ...HISTORY_PALETTE_COMMANDS
      ]
    });
    followSettings(settingRegistry, PROCESSES_ID, settings => {
      model.interval = settings.get('processRefreshInterval')
        .composite as number;
      idleMinutes = settings.get('idleKernelMinutes').composite as number;
    });
    return model;
  }
};

/**
 * The status bar item: the user's memory against their limit.
 */
export const memoryStatusPlugin: JupyterFrontEndPlugin<void> = {
  id: MEMORY_STATUS_ID,
  description:
    'Your memory against your limit, in the status bar, and a warning when it nears it.',
  autoStart: true,
  requires: [IProcessesSource, IStatusBar],
  optional: [IKernelManagerPanel, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    processes: IProcessesSource,
    statusBar: IStatusBar,
    panel: IKernelManagerPanel | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_kernel_manager'
    );
    let shown: IDisposable | null = null;
    const show = (visible: boolean) => {
      // The item scans while it exists: remove it rather than hide it.
      if (visible && !shown) {
        const item = new MemoryStatus({
          model: processes,
          trans,
          onClick: () => panel && app.shell.activateById(panel.id)
        });
        const registration = statusBar.registerStatusItem(MEMORY_STATUS_ID, {
          item,
          align: 'left',
          rank: 100
        });
        shown = {
          get isDisposed() {
            return item.isDisposed;
          },
          dispose: () => {
            registration.dispose();
            item.dispose();
          }
        };
      } else if (!visible && shown) {
        shown.dispose();
        shown = null;
      }
    };
    if (!settingRegistry) {
      show(true);
    }
    // Warns when memory nears the limit; with a registry it waits for the
    // settings (no scan before they say warnings are on).
    const pressure = followMemoryPressure({
      model: processes,
      services: app.serviceManager,
      commands: app.commands,
      trans,
      refresh: () => processes.refresh(),
      enabled: !settingRegistry
    });
    followSettings(settingRegistry, MEMORY_STATUS_ID, settings => {
      show(settings.get('showMemoryInStatusBar').composite as boolean);
      pressure.configure({
        enabled: settings.get('warnOnMemoryPressure').composite as boolean,
        threshold:
          (settings.get('memoryWarningThreshold').composite as number) / 100
      });
    });
  }
};
