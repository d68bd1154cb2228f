import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { addToMenus } from '../common/palette';
import { followSettings } from '../common/settings';
import { IKernelManagerPanel } from '../common/tokens';
import { HubClient } from './api';
import { addHubCommands, HUB_PALETTE_COMMANDS } from './commands';
import { HubSection } from './HubSection';
import { HubModel } from './model';

const PLUGIN_ID = 'jupyterlab-kernel-manager:hub';

/**
 * The Hub section, under JupyterHub only: the user's servers, and for admins
 * the users and their servers. Outside a hub it adds nothing.
 */
export const hubPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'The Hub section: your servers; for admins, users and their servers.',
  autoStart: true,
  requires: [IKernelManagerPanel],
  optional: [ICommandPalette, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    panel: IKernelManagerPanel,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const hubPrefix = PageConfig.getOption('hubPrefix');
    if (!hubPrefix) {
      return;
    }
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_kernel_manager'
    );
    const model = new HubModel({
      client: new HubClient({
        hubPrefix,
        hubHost: PageConfig.getOption('hubHost'),
        token: PageConfig.getToken()
      }),
      serverSettings: app.serviceManager.serverSettings,
      user:
        PageConfig.getOption('hubServerUser') || PageConfig.getOption('hubUser')
    });
    panel.addSection(
      new HubSection({ model, commands: app.commands, trans }),
      400
    );
    addHubCommands({ app, model, trans });
    addToMenus({ app, palette, trans, paletteCommands: HUB_PALETTE_COMMANDS });
    followSettings(settingRegistry, PLUGIN_ID, settings => {
      model.interval = settings.get('hubRefreshInterval').composite as number;
    });
    // Who we are and what we may (the commands need it); the users page
    // waits until the section is shown.
    void model.identify();
  }
};
