import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  InputDialog,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { Kernel } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { confirmWarning } from '../common/confirm';
import { addIcon, deleteIcon, refreshIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { KernelManagerAPIError } from '../common/request';
import { IEnvironment } from '../common/types';
import { CommandIDs } from '../common/commandIds';
import { EnvironmentsModel } from './model';
import { SharedEnvironmentsModel } from './sharedModel';
import { EnvironmentForm } from './EnvironmentForm';
import { addJobCommands } from './jobCommands';
import { askAndAddPackages, showPackages } from './packagesDialogs';
import { chosenFileOf, readRequirementsFile } from './requirementsFile';

/**
 * Environment commands shown in the palette.
 */
export const ENVIRONMENT_PALETTE_COMMANDS = [
  CommandIDs.newEnvironment,
  CommandIDs.refreshEnvironments,
  CommandIDs.addPackages,
  CommandIDs.listPackages,
  CommandIDs.deleteEnvironment
];

/**
 * The CSS selector of an environment row, for context menu items.
 */
export const ENVIRONMENT_ROW_SELECTOR =
  '.jp-KernelManager-env:not(.jp-mod-shared)';

/**
 * The CSS selector of a shared environment's row.
 */
export const SHARED_ROW_SELECTOR = '.jp-KernelManager-env.jp-mod-shared';

export interface IEnvironmentCommandsOptions {
  app: JupyterFrontEnd;
  model: EnvironmentsModel;
  /** Environments shared with every user: the form offers to share. */
  shared?: SharedEnvironmentsModel;
  kernels: Kernel.IManager;
  trans: TranslationBundle;
}

/**
 * Register the environment and job commands, and announce every job with a
 * notification that follows it to the end.
 */
export function addEnvironmentCommands(
  options: IEnvironmentCommandsOptions
): void {
  const { app, model, shared, kernels, trans } = options;
  const { commands } = app;
  /** The environment named by the arguments or the context menu. */
  const targetOf = (
    args: ReadonlyPartialJSONObject
  ): IEnvironment | undefined => {
    if (typeof args.name === 'string') {
      return model.get(args.name);
    }
    const node = app.contextMenuHitTest(
      element => element.dataset.environmentName !== undefined
    );
    const name = node?.dataset.environmentName;
    return name !== undefined ? model.get(name) : undefined;
  };

  /** The target, else one the user picks. */
  const resolve = async (
    args: ReadonlyPartialJSONObject,
    title: string
  ): Promise<IEnvironment | undefined> => {
    const target = targetOf(args);
    if (target || typeof args.name === 'string') {
      if (!target) {
        await showErrorMessage(
          title,
          trans.__('There is no environment named “%1”.', String(args.name))
        );
      }
      return target;
    }
    const choices = model.environments.filter(env => env.job === null);
    if (choices.length === 0) {
      await showErrorMessage(
        title,
        trans.__('You have no environment to choose.')
      );
      return undefined;
    }
    const picked = await InputDialog.getItem({
      title,
      label: trans.__('Environment'),
      items: choices.map(env => env.name)
    });
    if (!picked.button.accept || picked.value === null) {
      return undefined;
    }
    return model.get(picked.value);
  };

  const idle = (args: ReadonlyPartialJSONObject) => {
    const target = targetOf(args);
    return target ? target.job === null : typeof args.name !== 'string';
  };

  addJobCommands({ app, model, trans });

  commands.addCommand(CommandIDs.newEnvironment, {
    label: trans.__('New Environment…'),
    caption: trans.__('Create a Python environment with its own kernel'),
    icon: args => (args.isPalette ? undefined : addIcon),
    execute: async args => {
      const title = trans.__('New Environment');
      if (model.status !== 'ready') {
        try {
          await model.refresh();
        } catch (error) {
          await showErrorMessage(title, error as Error);
          return;
        }
      }
      if (shared && shared.status !== 'ready') {
        // Whether to offer sharing; the form opens without it if unknown.
        await shared.refresh().catch(() => undefined);
      }
      // From the file browser: a file already read (fromFileCommands.ts).
      let initial: Partial<EnvironmentForm.IValues> | undefined = chosenFileOf(
        args.requirementsFile
      );
      let error: string | undefined;
      // Open again with what was typed until the server takes it or the user gives up.
      for (;;) {
        const form = new EnvironmentForm({
          trans,
          backends: model.knownBackends,
          environmentsDir: model.environmentsDir,
          sharedDir: shared?.canManage ? shared.environmentsDir : null,
          shareRefusal: shared?.enabled ? shared.reason : null,
          readRequirementsFile: path =>
            readRequirementsFile(app.serviceManager.contents, path),
          initial,
          error
        });
        if (!model.knownBackends) {
          model.backends().then(
            reply => form.setBackends(reply),
            reason => form.setBackends(reason as Error)
          );
        }
        const result = await showDialog({
          title,
          body: form,
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.okButton({ label: trans.__('Create') })
          ],
          focusNodeSelector: 'input[name="name"]'
        });
        if (!result.button.accept) {
          return;
        }
        initial = form.values;
        error = form.problem ?? undefined;
        if (error) {
          continue;
        }
        try {
          const target = form.values.shared && shared ? shared : model;
          const job = await target.create(form.getValue());
          return job.id;
        } catch (reason) {
          error = (reason as Error).message;
        }
      }
    }
  });

  commands.addCommand(CommandIDs.refreshEnvironments, {
    label: trans.__('Refresh Environments'),
    icon: args => (args.isPalette ? undefined : refreshIcon),
    execute: async () => {
      await model.refresh();
    }
  });

  commands.addCommand(CommandIDs.addPackages, {
    label: args =>
      targetOf(args)
        ? trans.__('Add Packages…')
        : trans.__('Add Packages to an Environment…'),
    isEnabled: idle,
    execute: async args => {
      const title = trans.__('Add Packages');
      const env = await resolve(args, title);
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

  commands.addCommand(CommandIDs.listPackages, {
    label: args =>
      targetOf(args)
        ? trans.__('Show Packages')
        : trans.__('Show Packages of an Environment…'),
    isEnabled: idle,
    execute: async args => {
      const title = trans.__('Packages');
      const env = await resolve(args, title);
      if (env) {
        await showPackages(env.name, () => model.packages(env.name), trans);
      }
    }
  });

  commands.addCommand(CommandIDs.deleteEnvironment, {
    label: args =>
      targetOf(args)
        ? trans.__('Delete Environment…')
        : trans.__('Delete an Environment…'),
    caption: trans.__('Delete an environment and its kernel'),
    icon: args => (args.isPalette ? undefined : deleteIcon),
    isEnabled: idle,
    execute: async args => {
      const title = trans.__('Delete Environment');
      const env = await resolve(args, title);
      if (!env) {
        return;
      }
      const running = [...kernels.running()].filter(
        kernel => kernel.name === env.kernelspec
      ).length;
      if (!(await confirmDelete(env, running, trans))) {
        return;
      }
      let shutDown: string[];
      try {
        try {
          shutDown = await model.remove(env.name, running > 0);
        } catch (error) {
          // A kernel may have started since: ask again.
          const busy =
            error instanceof KernelManagerAPIError &&
            error.reason === 'running';
          if (!busy) {
            throw error;
          }
          if (!(await confirmDelete(env, Math.max(1, running), trans))) {
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
        // The server shut them down: let the Running panel and notebooks know now.
        await kernels.refreshRunning();
      }
      Notification.success(
        shutDown.length > 0
          ? trans._n(
              'Deleted environment “%2” after shutting down its running kernel.',
              'Deleted environment “%2” after shutting down its %1 running kernels.',
              shutDown.length,
              env.name
            )
          : trans.__('Deleted environment “%1”.', env.name),
        { autoClose: 4000 }
      );
    }
  });
}

/**
 * Ask before deleting, naming everything that goes.
 */
async function confirmDelete(
  env: IEnvironment,
  running: number,
  trans: TranslationBundle
): Promise<boolean> {
  const lines = [
    trans.__('Delete the environment “%1”?', env.name),
    trans.__(
      'This removes the folder %1 and everything installed in it.',
      env.path
    )
  ];
  if (env.kernelspec) {
    lines.push(
      trans.__(
        'Its kernel “%1” is removed too; notebooks using it will ask for another kernel.',
        env.display_name ?? env.kernelspec
      )
    );
  }
  if (running > 0) {
    lines.push(
      trans._n(
        '%1 kernel of it is running: it will be shut down first.',
        '%1 kernels of it are running: they will be shut down first.',
        running
      )
    );
  }
  return confirmWarning(
    {
      title: trans.__('Delete Environment'),
      body: lines.join('\n\n'),
      accept: trans.__('Delete')
    },
    trans
  );
}
