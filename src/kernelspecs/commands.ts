import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  InputDialog,
  Notification,
  showErrorMessage
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  consoleIcon,
  deleteIcon,
  editIcon,
  notebookIcon,
  refreshIcon,
  searchIcon
} from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { KernelManagerAPIError } from '../common/request';
import type { IKernelSpecItem, KernelSpecsModel } from './model';
import type { KernelsSection } from './KernelsSection';
import { confirmWarning } from '../common/confirm';
import { CommandIDs } from '../common/commandIds';
import { addEditKernelSpecCommand } from './editCommand';

/**
 * The commands that act on kernelspecs, shown in the palette under this
 * category.
 */
export const KERNELSPEC_PALETTE_COMMANDS = [
  CommandIDs.refreshKernelSpecs,
  CommandIDs.filterKernelSpecs,
  CommandIDs.newNotebook,
  CommandIDs.newConsole,
  CommandIDs.renameKernelSpec,
  CommandIDs.editKernelSpec,
  CommandIDs.removeKernelSpec
];

/**
 * The CSS selector of a kernelspec row, for context menu items.
 */
export const KERNELSPEC_ROW_SELECTOR = '.jp-KernelManager-item';

export interface IKernelSpecCommandsOptions {
  app: JupyterFrontEnd;
  model: KernelSpecsModel;
  section: KernelsSection;
  /** The sidebar panel's id, to reveal it. */
  panelId: string;
  trans: TranslationBundle;
}

/**
 * Register the kernelspec commands.
 *
 * A command acts on the spec named by its `name` argument, else on the row
 * of a context menu, else it asks the user to pick one (from the palette).
 */
export function addKernelSpecCommands(
  options: IKernelSpecCommandsOptions
): void {
  const { app, model, section, panelId, trans } = options;
  const { commands } = app;

  /** The spec a command was invoked on without asking, if any. */
  const targetOf = (
    args: ReadonlyPartialJSONObject
  ): IKernelSpecItem | undefined => {
    if (typeof args.name === 'string') {
      return model.get(args.name);
    }
    const node = app.contextMenuHitTest(
      element => element.dataset.kernelspecName !== undefined
    );
    const name = node?.dataset.kernelspecName;
    return name !== undefined ? model.get(name) : undefined;
  };

  /** The spec to act on: the target, else one the user picks. */
  const resolve = async (
    args: ReadonlyPartialJSONObject,
    title: string,
    candidates: (item: IKernelSpecItem) => boolean
  ): Promise<IKernelSpecItem | undefined> => {
    const target = targetOf(args);
    if (target || typeof args.name === 'string') {
      if (!target) {
        await showErrorMessage(
          title,
          trans.__('There is no kernel named “%1”.', String(args.name))
        );
      }
      return target;
    }
    const choices = model.items.filter(candidates);
    if (choices.length === 0) {
      await showErrorMessage(title, trans.__('There is no kernel to choose.'));
      return undefined;
    }
    const labels = choices.map(item =>
      trans.__('%1 (%2)', item.displayName, item.name)
    );
    const current = Math.max(
      0,
      choices.findIndex(item => item.name === section.selected)
    );
    const picked = await InputDialog.getItem({
      title,
      label: trans.__('Kernel'),
      items: labels,
      current
    });
    if (!picked.button.accept || picked.value === null) {
      return undefined;
    }
    return choices[labels.indexOf(picked.value)];
  };

  /** Enabled when the named or context-menu spec passes, or any does. */
  const enabledFor =
    (test: (item: IKernelSpecItem) => boolean) =>
    (args: ReadonlyPartialJSONObject): boolean => {
      const target = targetOf(args);
      if (target) {
        return test(target);
      }
      return typeof args.name !== 'string' && model.items.some(test);
    };

  const any = () => true;
  const writable = (item: IKernelSpecItem) => item.writable;

  commands.addCommand(CommandIDs.refreshKernelSpecs, {
    label: trans.__('Refresh Kernels'),
    caption: trans.__('Look again for kernelspecs on the server'),
    icon: args => (args.isPalette ? undefined : refreshIcon),
    execute: async () => {
      await model.refresh();
    }
  });

  commands.addCommand(CommandIDs.filterKernelSpecs, {
    label: trans.__('Filter Kernels'),
    caption: trans.__('Find a kernelspec by name or language'),
    icon: args => (args.isPalette ? undefined : searchIcon),
    execute: () => {
      app.shell.activateById(panelId);
      section.focusFilter();
    }
  });

  commands.addCommand(CommandIDs.newNotebook, {
    label: args => {
      const target = targetOf(args);
      return target
        ? trans.__('New Notebook with %1', target.displayName)
        : trans.__('New Notebook with Kernel…');
    },
    icon: args => (args.isPalette ? undefined : notebookIcon),
    isEnabled: enabledFor(any),
    execute: async args => {
      const item = await resolve(args, trans.__('New Notebook'), any);
      if (item) {
        return commands.execute('notebook:create-new', {
          kernelName: item.name
        });
      }
    }
  });

  commands.addCommand(CommandIDs.newConsole, {
    label: args => {
      const target = targetOf(args);
      return target
        ? trans.__('New Console with %1', target.displayName)
        : trans.__('New Console with Kernel…');
    },
    icon: args => (args.isPalette ? undefined : consoleIcon),
    isEnabled: enabledFor(any),
    execute: async args => {
      const item = await resolve(args, trans.__('New Console'), any);
      if (item) {
        return commands.execute('console:create', {
          kernelPreference: { name: item.name }
        });
      }
    }
  });

  commands.addCommand(CommandIDs.renameKernelSpec, {
    label: args =>
      targetOf(args)
        ? trans.__('Rename Kernel…')
        : trans.__('Rename a Kernel…'),
    caption: trans.__('Change the name shown for one of your kernels'),
    icon: args => (args.isPalette ? undefined : editIcon),
    isEnabled: enabledFor(writable),
    execute: async args => {
      const title = trans.__('Rename Kernel');
      const item = await resolve(args, title, writable);
      if (!item) {
        return;
      }
      const answer = await InputDialog.getText({
        title,
        label: trans.__('New display name for %1', item.name),
        text: item.displayName,
        okLabel: trans.__('Rename')
      });
      if (!answer.button.accept || answer.value === null) {
        return;
      }
      const displayName = answer.value.trim();
      if (!displayName) {
        await showErrorMessage(title, trans.__('The name cannot be empty.'));
        return;
      }
      if (displayName === item.displayName) {
        return;
      }
      try {
        await model.rename(item.name, displayName);
        Notification.success(
          trans.__('Renamed “%1” to “%2”.', item.displayName, displayName),
          { autoClose: 4000 }
        );
      } catch (error) {
        await showErrorMessage(
          trans.__('Could not rename “%1”', item.displayName),
          error as Error
        );
      }
    }
  });

  addEditKernelSpecCommand({
    app,
    model,
    trans,
    resolve,
    isEnabled: enabledFor(writable),
    hasTarget: args => !!targetOf(args)
  });

  commands.addCommand(CommandIDs.removeKernelSpec, {
    label: args =>
      targetOf(args)
        ? trans.__('Remove Kernel…')
        : trans.__('Remove a Kernel…'),
    caption: trans.__('Delete one of your kernelspecs from disk'),
    icon: args => (args.isPalette ? undefined : deleteIcon),
    isEnabled: enabledFor(writable),
    execute: async args => {
      const title = trans.__('Remove Kernel');
      const item = await resolve(args, title, writable);
      if (!item) {
        return;
      }
      if (!(await confirmRemoval(item, item.running, trans))) {
        return;
      }
      try {
        try {
          await model.remove(item.name, item.running > 0);
        } catch (error) {
          // Kernels may have started since the list was drawn: ask again.
          const running =
            error instanceof KernelManagerAPIError &&
            error.reason === 'running';
          if (!running) {
            throw error;
          }
          const count = Math.max(1, model.get(item.name)?.running ?? 0);
          if (!(await confirmRemoval(item, count, trans))) {
            return;
          }
          await model.remove(item.name, true);
        }
      } catch (error) {
        await showErrorMessage(
          trans.__('Could not remove “%1”', item.displayName),
          error as Error
        );
        return;
      }
      if (section.selected === item.name) {
        section.selected = null;
      }
      Notification.success(trans.__('Removed “%1”.', item.displayName), {
        autoClose: 4000
      });
    }
  });
}

/**
 * Ask before removing a kernelspec, saying what is lost.
 */
async function confirmRemoval(
  item: IKernelSpecItem,
  running: number,
  trans: TranslationBundle
): Promise<boolean> {
  const lines = [
    trans.__(
      'Remove “%1” (%2)? Its directory %3 is deleted.',
      item.displayName,
      item.name,
      item.details?.resource_dir ?? ''
    )
  ];
  if (running > 0) {
    lines.push(
      trans._n(
        '%1 kernel of it is running; it keeps running until you shut it down.',
        '%1 kernels of it are running; they keep running until you shut them down.',
        running
      )
    );
  }
  return confirmWarning(
    {
      title: trans.__('Remove Kernel'),
      body: lines.join('\n\n'),
      accept: trans.__('Remove')
    },
    trans
  );
}
