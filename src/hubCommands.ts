import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { CommandIDs } from './commands';
import { HubModel } from './models/hub';

export const HUB_PALETTE_COMMANDS = [CommandIDs.hubRefresh, CommandIDs.hubControlPanel];

/**
 * Commands of the Hub section; each shows what the hub answered.
 */
export function addHubCommands(options: {
  app: JupyterFrontEnd;
  model: HubModel;
  trans: TranslationBundle;
}): void {
  const { app, model, trans } = options;
  const { commands } = app;
  const user = (args: any) => (typeof args.user === 'string' ? args.user : model.userName);
  const server = (args: any) => (typeof args.server === 'string' ? args.server : '');

  commands.addCommand(CommandIDs.hubRefresh, {
    label: trans.__('Refresh Hub'),
    icon: args => (args.isPalette ? undefined : refreshIcon),
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.hubControlPanel, {
    label: trans.__('Open Hub Control Panel'),
    execute: () => {
      window.open(model.client.pageUrl('home'), '_blank', 'noopener');
    }
  });

  commands.addCommand(CommandIDs.hubStartServer, {
    label: trans.__('Start Server'),
    execute: async args => {
      try {
        await model.startServer(user(args), server(args));
      } catch (error) {
        await showErrorMessage(trans.__('Could not start the server of %1', user(args)), error as Error);
      }
    }
  });

  commands.addCommand(CommandIDs.hubStopServer, {
    label: trans.__('Stop Server…'),
    execute: async args => {
      const name = user(args);
      const own = name === model.userName && server(args) === '';
      const result = await showDialog({
        title: trans.__('Stop Server'),
        body: own
          ? trans.__('Stop your server? This page stops working, and every kernel and terminal in it ends.')
          : trans.__('Stop the server of %1? Their kernels and terminals end.', name),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.warnButton({ label: trans.__('Stop') })
        ]
      });
      if (!result.button.accept) {
        return;
      }
      try {
        await model.stopServer(name, server(args));
      } catch (error) {
        await showErrorMessage(trans.__('Could not stop the server of %1', name), error as Error);
      }
    }
  });

  commands.addCommand(CommandIDs.hubDeleteUser, {
    label: trans.__('Delete User…'),
    execute: async args => {
      const name = typeof args.name === 'string' ? args.name : '';
      if (!name) {
        return;
      }
      const result = await showDialog({
        title: trans.__('Delete User'),
        body: trans.__(
          'Delete the hub user %1? Their servers are stopped and they can no longer log in. Files in their home directory stay.',
          name
        ),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.warnButton({ label: trans.__('Delete') })
        ]
      });
      if (!result.button.accept) {
        return;
      }
      try {
        await model.deleteUser(name);
        Notification.success(trans.__('Deleted user %1.', name), { autoClose: 4000 });
      } catch (error) {
        await showErrorMessage(trans.__('Could not delete %1', name), error as Error);
      }
    }
  });
}
