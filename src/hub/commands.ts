import { JupyterFrontEnd } from '@jupyterlab/application';
import { InputDialog, showErrorMessage } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { CommandIDs } from '../common/commandIds';
import { describeNameProblem } from './names';
import { HubModel, ServerNameError } from './model';
import { confirmWarning } from '../common/confirm';
import { addAdminCommands } from './adminCommands';

export const HUB_PALETTE_COMMANDS = [
  CommandIDs.hubRefresh,
  CommandIDs.hubControlPanel,
  CommandIDs.hubNewServer,
  CommandIDs.hubStartAll,
  CommandIDs.hubStopAll
];

/**
 * Commands of the Hub section; each shows what the hub answered. Each is
 * enabled (and the palette's shown) only where the section offers it: see
 * `HubModel.may`, which offers a visitor (an admin who opened alice's
 * server) alice's servers only. These act on one server; an admin's, on
 * users and on all servers at once, are in `adminCommands.ts`.
 */
export function addHubCommands(options: {
  app: JupyterFrontEnd;
  model: HubModel;
  trans: TranslationBundle;
}): void {
  const { app, model, trans } = options;
  const { commands } = app;
  const user = (args: ReadonlyPartialJSONObject) =>
    typeof args.user === 'string' ? args.user : model.userName;
  const server = (args: ReadonlyPartialJSONObject) =>
    typeof args.server === 'string' ? args.server : '';
  const serverLabel = (name: string) =>
    name ? name : trans.__('default server');
  const canServers = (args: ReadonlyPartialJSONObject) =>
    model.may(user(args) === model.userName ? 'own-servers' : 'user-servers');

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

  commands.addCommand(CommandIDs.hubOpenServer, {
    label: trans.__('Open Server'),
    execute: async args => {
      const owner = user(args);
      const owned =
        owner === model.userName ? model.owner : model.details(owner);
      const found = owned?.servers?.[server(args)];
      if (!found?.ready || !found.url) {
        await showErrorMessage(
          trans.__('Open Server'),
          trans.__(
            'The %1 of %2 is not running.',
            serverLabel(server(args)),
            owner
          )
        );
        return;
      }
      window.open(model.client.hubHost + found.url, '_blank', 'noopener');
    }
  });

  commands.addCommand(CommandIDs.hubStartServer, {
    label: trans.__('Start Server'),
    isEnabled: canServers,
    execute: async args => {
      try {
        await model.startServer(user(args), server(args));
      } catch (error) {
        await showErrorMessage(
          trans.__(
            'Could not start the %1 of %2',
            serverLabel(server(args)),
            user(args)
          ),
          error as Error
        );
      }
    }
  });

  commands.addCommand(CommandIDs.hubNewServer, {
    label: args =>
      model.visiting && user(args) === model.userName
        ? trans.__('New Named Server of %1…', model.userName)
        : trans.__('New Named Server…'),
    caption: trans.__('Create and start a named server on the hub'),
    isEnabled: args => canServers(args) && model.namedServers !== 'disabled',
    isVisible: () =>
      model.may('own-servers') && model.namedServers !== 'disabled',
    execute: async args => {
      const owner = user(args);
      let name = server(args).trim();
      if (!name) {
        const answer = await InputDialog.getText({
          title: trans.__('New Named Server'),
          label: trans.__('Name of the new server of %1', owner),
          okLabel: trans.__('Create and Start')
        });
        if (!answer.button.accept || answer.value === null) {
          return;
        }
        name = answer.value.trim();
      }
      try {
        await model.createServer(owner, name);
      } catch (error) {
        const message =
          error instanceof ServerNameError
            ? describeNameProblem(error.reason, trans)
            : (error as Error);
        await showErrorMessage(
          trans.__('Could not create the server “%1” of %2', name, owner),
          message
        );
      }
    }
  });

  commands.addCommand(CommandIDs.hubStopServer, {
    label: trans.__('Stop Server…'),
    isEnabled: canServers,
    execute: async args => {
      const name = user(args);
      const ownPage =
        name === model.userName && server(args) === model.serverName;
      let body = trans.__(
        'Stop the %1 of %2? Its kernels and terminals end.',
        serverLabel(server(args)),
        name
      );
      if (ownPage && model.visiting) {
        body = trans.__(
          'Stop the server of %1 that this page belongs to? This page stops working, and every kernel and terminal in it ends, for %1 too.',
          name
        );
      } else if (ownPage) {
        body = trans.__(
          'Stop your server? This page stops working, and every kernel and terminal in it ends.'
        );
      }
      const accepted = await confirmWarning(
        { title: trans.__('Stop Server'), body, accept: trans.__('Stop') },
        trans
      );
      if (!accepted) {
        return;
      }
      try {
        await model.stopServer(name, server(args));
      } catch (error) {
        await showErrorMessage(
          trans.__(
            'Could not stop the %1 of %2',
            serverLabel(server(args)),
            name
          ),
          error as Error
        );
      }
    }
  });

  commands.addCommand(CommandIDs.hubDeleteServer, {
    label: trans.__('Delete Named Server…'),
    isEnabled: args => canServers(args) && server(args) !== '',
    execute: async args => {
      const name = user(args);
      const named = server(args);
      if (!named) {
        return;
      }
      const accepted = await confirmWarning(
        {
          title: trans.__('Delete Named Server'),
          body: trans.__(
            'Delete the server “%1” of %2? It is stopped if it runs, and the hub forgets it. Files stay.',
            named,
            name
          ),
          accept: trans.__('Delete')
        },
        trans
      );
      if (!accepted) {
        return;
      }
      try {
        await model.deleteServer(name, named);
      } catch (error) {
        await showErrorMessage(
          trans.__('Could not delete the server “%1” of %2', named, name),
          error as Error
        );
      }
    }
  });

  addAdminCommands(options);
}
