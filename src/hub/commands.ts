import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  InputDialog,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { CommandIDs } from '../common/commandIds';
import { describeNameProblem } from './HubServerList';
import { HubModel, IBulkProgress, IServerRef, ServerNameError } from './model';
import { confirmWarning } from '../common/confirm';

export const HUB_PALETTE_COMMANDS = [
  CommandIDs.hubRefresh,
  CommandIDs.hubControlPanel,
  CommandIDs.hubNewServer,
  CommandIDs.hubStartAll,
  CommandIDs.hubStopAll
];

/** How many names a "start all" / "stop all" result lists before "and N more". */
const NAMES_SHOWN = 10;

/**
 * Commands of the Hub section; each shows what the hub answered. Each is
 * enabled (and the palette's shown) only where the section offers it: see
 * `HubModel.may`, which offers a visitor (an admin who opened alice's
 * server) alice's servers only.
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
  const admin = () =>
    model.isAdmin && model.may('user-servers') && model.may('list-users');

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

  commands.addCommand(CommandIDs.hubDeleteUser, {
    label: trans.__('Delete User…'),
    isEnabled: args =>
      model.may('delete-users') &&
      typeof args.name === 'string' &&
      args.name !== model.userName,
    execute: async args => {
      const name = typeof args.name === 'string' ? args.name : '';
      if (!name) {
        return;
      }
      const accepted = await confirmWarning(
        {
          title: trans.__('Delete User'),
          body: trans.__(
            'Delete the hub user %1? Their servers are stopped and they can no longer log in. Files in their home directory stay.',
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
        await model.deleteUser(name);
        Notification.success(trans.__('Deleted user %1.', name), {
          autoClose: 4000
        });
      } catch (error) {
        await showErrorMessage(
          trans.__('Could not delete %1', name),
          error as Error
        );
      }
    }
  });

  const bulk = (action: 'start' | 'stop') => async () => {
    const title =
      action === 'start'
        ? trans.__('Start All Servers')
        : trans.__('Stop All Servers');
    let targets: IServerRef[];
    try {
      targets = await model.bulkTargets(action);
    } catch (error) {
      await showErrorMessage(title, error as Error);
      return;
    }
    const filter = model.usersQuery.nameFilter;
    if (targets.length === 0) {
      await showDialog({
        title,
        body:
          action === 'start'
            ? trans.__('Every user has a server running already.')
            : trans.__('No other server is running.'),
        buttons: [Dialog.okButton({ label: trans.__('Close') })]
      });
      return;
    }
    const users = new Set(targets.map(target => target.user)).size;
    let body =
      action === 'start'
        ? trans._n(
            'Start the default server of %1 user who has no server running?',
            'Start the default servers of %1 users who have no server running?',
            targets.length
          )
        : trans._n(
            'Stop %1 server (of %2 users)? Their kernels and terminals end.',
            'Stop %1 servers (of %2 users)? Their kernels and terminals end.',
            targets.length,
            users
          );
    if (filter) {
      body = trans.__('%1 Only users matching “%2”.', body, filter);
    }
    if (action === 'stop') {
      body = trans.__('%1 This page’s own server keeps running.', body);
    }
    const confirmed = await showDialog({
      title,
      body,
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        action === 'start'
          ? Dialog.okButton({
              label: trans._n('Start %1', 'Start %1', targets.length)
            })
          : Dialog.warnButton({
              label: trans._n('Stop %1', 'Stop %1', targets.length)
            })
      ]
    });
    if (!confirmed.button.accept) {
      return;
    }
    await runBulk(model, targets, action, trans);
  };

  commands.addCommand(CommandIDs.hubStartAll, {
    label: trans.__('Start All Users’ Servers…'),
    caption: trans.__(
      'Start the default server of every user (of the filter) with none running'
    ),
    isEnabled: () => admin() && !model.bulk,
    isVisible: admin,
    execute: bulk('start')
  });

  commands.addCommand(CommandIDs.hubStopAll, {
    label: trans.__('Stop All Users’ Servers…'),
    caption: trans.__('Stop every running server (of the filter) but this one'),
    isEnabled: () => admin() && !model.bulk,
    isVisible: admin,
    execute: bulk('stop')
  });
}

/**
 * Run a "start all" / "stop all" under an in-progress notification with a
 * cancel action, then turn it into the result, naming the failed servers.
 */
async function runBulk(
  model: HubModel,
  targets: IServerRef[],
  action: 'start' | 'stop',
  trans: TranslationBundle
): Promise<void> {
  const controller = new AbortController();
  const cancel: Notification.IAction = {
    label: trans.__('Cancel'),
    caption: trans.__(
      'Send no more requests; servers already starting carry on'
    ),
    callback: event => {
      // Keep the notification: it turns into the result.
      event.preventDefault();
      controller.abort();
    }
  };
  const running = (progress: IBulkProgress) => {
    const step = Math.min(progress.done + 1, progress.total);
    let message =
      action === 'start'
        ? trans.__('Starting %1 of %2…', step, progress.total)
        : trans.__('Stopping %1 of %2…', step, progress.total);
    if (controller.signal.aborted) {
      message = trans.__('Cancelling…');
    } else if (progress.throttled) {
      message = trans.__(
        '%1 The hub asked to wait; trying again shortly.',
        message
      );
    }
    return message;
  };
  const id = Notification.emit(
    running({ ...emptyProgress(action, targets.length) }),
    'in-progress',
    { autoClose: false, actions: [cancel] }
  );
  const result = await model.forAll(targets, action, {
    signal: controller.signal,
    onProgress: progress =>
      Notification.update({
        id,
        message: running(progress),
        type: 'in-progress',
        autoClose: false,
        actions: controller.signal.aborted ? [] : [cancel]
      })
  });
  Notification.update({
    id,
    message: summary(result, trans),
    type:
      result.failed.length > 0
        ? 'error'
        : result.skipped.length > 0
          ? 'warning'
          : 'success',
    autoClose: result.failed.length > 0 ? false : 8000,
    actions: []
  });
}

function emptyProgress(action: 'start' | 'stop', total: number): IBulkProgress {
  return {
    action,
    total,
    done: 0,
    succeeded: [],
    failed: [],
    skipped: [],
    throttled: false
  };
}

/**
 * "Started 18 of 20; 2 failed: alice (…), bob/gpu (…)"; not started after
 * a cancel.
 */
function summary(result: IBulkProgress, trans: TranslationBundle): string {
  const ok = result.succeeded.length;
  const lines = [
    result.action === 'start'
      ? trans._n(
          'Started %1 of %2 server.',
          'Started %1 of %2 servers.',
          ok,
          result.total
        )
      : trans._n(
          'Stopped %1 of %2 server.',
          'Stopped %1 of %2 servers.',
          ok,
          result.total
        )
  ];
  if (result.failed.length > 0) {
    const named = result.failed
      .slice(0, NAMES_SHOWN)
      .map(item =>
        trans.__(
          '%1 (%2)',
          item.server ? `${item.user}/${item.server}` : item.user,
          item.message
        )
      )
      .join(', ');
    lines.push(
      result.failed.length > NAMES_SHOWN
        ? trans.__(
            '%1 failed: %2 and %3 more.',
            result.failed.length,
            named,
            result.failed.length - NAMES_SHOWN
          )
        : trans.__('%1 failed: %2.', result.failed.length, named)
    );
  }
  if (result.skipped.length > 0) {
    lines.push(
      trans._n(
        'Cancelled: %1 server was not asked.',
        'Cancelled: %1 servers were not asked.',
        result.skipped.length
      )
    );
  }
  return lines.join(' ');
}
