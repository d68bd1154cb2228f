import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification, showErrorMessage } from '@jupyterlab/apputils';
import { Kernel } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { deleteIcon, refreshIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { CommandIDs } from '../common/commandIds';
import { confirmWarning } from '../common/confirm';
import { KernelManagerAPIError } from '../common/request';
import { ISharedEnvironment } from '../common/types';
import { askAndAddPackages, showPackages } from './packagesDialogs';
import { SharedEnvironmentsModel } from './sharedModel';

/**
 * Shared environment commands shown in the palette.
 */
export const SHARED_PALETTE_COMMANDS = [
  CommandIDs.refreshSharedEnvironments,
  CommandIDs.listSharedPackages,
  CommandIDs.addSharedPackages,
  CommandIDs.deleteSharedEnvironment
];

/**
 * The commands of environments shared with every user: anyone lists their
 * packages; an admin who may change them adds packages and deletes them.
 */
export function addSharedEnvironmentCommands(options: {
  app: JupyterFrontEnd;
  model: SharedEnvironmentsModel;
  kernels: Kernel.IManager;
  trans: TranslationBundle;
}): void {
  const { app, model, kernels, trans } = options;
  const { commands } = app;

  const targetOf = (
    args: ReadonlyPartialJSONObject
  ): ISharedEnvironment | undefined => {
    const name =
      typeof args.name === 'string'
        ? args.name
        : app.contextMenuHitTest(
            element => element.dataset.sharedEnvironmentName !== undefined
          )?.dataset.sharedEnvironmentName;
    return name !== undefined ? model.get(name) : undefined;
  };

  /** The target, else one the user picks among the idle ones. */
  const resolve = async (
    args: ReadonlyPartialJSONObject,
    title: string
  ): Promise<ISharedEnvironment | undefined> => {
    const target = targetOf(args);
    if (!target) {
      await showErrorMessage(
        title,
        typeof args.name === 'string'
          ? trans.__('There is no shared environment named “%1”.', args.name)
          : trans.__('Choose a shared environment in the Environments section.')
      );
    }
    return target;
  };
  const idle = (args: ReadonlyPartialJSONObject) => {
    const target = targetOf(args);
    return target ? target.job === null : true;
  };
  const manageable = (args: ReadonlyPartialJSONObject) =>
    model.canManage && idle(args);

  commands.addCommand(CommandIDs.refreshSharedEnvironments, {
    label: trans.__('Refresh Shared Environments'),
    icon: args => (args.isPalette ? undefined : refreshIcon),
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.listSharedPackages, {
    label: trans.__('Show Packages of a Shared Environment'),
    isEnabled: idle,
    execute: async args => {
      const env = await resolve(args, trans.__('Packages'));
      if (env) {
        await showPackages(env.name, () => model.packages(env.name), trans);
      }
    }
  });

  commands.addCommand(CommandIDs.addSharedPackages, {
    label: trans.__('Add Packages to a Shared Environment…'),
    caption: trans.__('Every user gets them in that environment'),
    isEnabled: manageable,
    execute: async args => {
      const env = await resolve(args, trans.__('Add Packages'));
      if (!env) {
        return;
      }
      return askAndAddPackages(
        env.name,
        packages => model.addPackages(env.name, packages),
        trans
      );
    }
  });

  commands.addCommand(CommandIDs.deleteSharedEnvironment, {
    label: trans.__('Delete Shared Environment…'),
    caption: trans.__('Delete an environment every user shares'),
    icon: args => (args.isPalette ? undefined : deleteIcon),
    isEnabled: manageable,
    execute: async args => {
      const env = await resolve(args, trans.__('Delete Shared Environment'));
      if (!env || !(await confirmDelete(env, null, trans))) {
        return;
      }
      let shutDown: string[];
      try {
        try {
          shutDown = await model.remove(env.name);
        } catch (error) {
          // Kernels of it run somewhere on the machine: the server says whose.
          const running =
            error instanceof KernelManagerAPIError &&
            error.reason === 'running';
          if (!running) {
            throw error;
          }
          if (!(await confirmDelete(env, error.message, trans))) {
            return;
          }
          shutDown = await model.remove(env.name, true);
        }
      } catch (error) {
        await showErrorMessage(
          trans.__('Could not delete “%1”', env.name),
          error as Error
        );
        return;
      }
      if (shutDown.length > 0) {
        await kernels.refreshRunning();
      }
      Notification.success(
        trans.__('Deleted the shared environment “%1”.', env.name),
        { autoClose: 4000 }
      );
    }
  });
}

/**
 * Ask before deleting; `running` is the server's word on the kernels of it
 * that run on the machine, once it has refused for them.
 */
function confirmDelete(
  env: ISharedEnvironment,
  running: string | null,
  trans: TranslationBundle
): Promise<boolean> {
  const lines = [
    trans.__('Delete the shared environment “%1”?', env.name),
    trans.__(
      'Every user loses its kernel “%1”; notebooks using it will ask for another kernel.',
      env.display_name ?? env.name
    ),
    trans.__('This removes %1 for everyone.', env.path)
  ];
  if (running) {
    lines.push(
      running,
      trans.__(
        'Your own kernels of it will be shut down; other users’ kernels keep running until they stop, without their files.'
      )
    );
  }
  return confirmWarning(
    {
      title: trans.__('Delete Shared Environment'),
      body: lines.join('\n\n'),
      accept: running ? trans.__('Delete Anyway') : trans.__('Delete')
    },
    trans
  );
}
