import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandIDs } from '../common/commandIds';
import { confirmWarning } from '../common/confirm';
import { runBulkWithProgress } from './bulkNotification';
import { HubModel, IServerRef } from './model';

/**
 * An admin's commands of the Hub section: delete a user, start or stop
 * every user's servers. Each asks first, and is offered only to an admin
 * on their own server whose token may do it.
 */
export function addAdminCommands(options: {
  app: JupyterFrontEnd;
  model: HubModel;
  trans: TranslationBundle;
}): void {
  const { app, model, trans } = options;
  const { commands } = app;
  const admin = () =>
    model.isAdmin && model.may('user-servers') && model.may('list-users');

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

  // List the servers, confirm with their count, then run under a notification.
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
    await runBulkWithProgress(model, targets, action, trans);
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
