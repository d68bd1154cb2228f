import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { CommandIDs } from '../common/commandIds';
import { EditKernelSpecForm } from './EditKernelSpecForm';
import { IEditValues, initialValues } from './kernelSpecEdit';
import type { IKernelSpecItem, KernelSpecsModel } from './model';

export interface IEditCommandOptions {
  app: JupyterFrontEnd;
  model: KernelSpecsModel;
  trans: TranslationBundle;
  /** The spec to act on: the command's target, else one the user picks. */
  resolve: (
    args: ReadonlyPartialJSONObject,
    title: string,
    candidates: (item: IKernelSpecItem) => boolean
  ) => Promise<IKernelSpecItem | undefined>;
  /** Whether the command's target (or any spec) may be edited. */
  isEnabled: (args: ReadonlyPartialJSONObject) => boolean;
  /** Whether the command names a spec (its argument or a context menu row). */
  hasTarget: (args: ReadonlyPartialJSONObject) => boolean;
}

/** Specs the user may edit, whose details the form needs. */
const editable = (item: IKernelSpecItem) => item.writable && !!item.details;

/**
 * Register "Edit Kernel…": a dialog for the display name, environment
 * variables, extra arguments and interrupt mode of one of the user's specs.
 */
export function addEditKernelSpecCommand(options: IEditCommandOptions): void {
  const { app, model, trans, resolve } = options;
  app.commands.addCommand(CommandIDs.editKernelSpec, {
    label: args =>
      options.hasTarget(args)
        ? trans.__('Edit Kernel…')
        : trans.__('Edit a Kernel…'),
    caption: trans.__(
      'Change the name, environment variables, arguments or interrupt mode of one of your kernels'
    ),
    isEnabled: options.isEnabled,
    execute: async args => {
      const title = trans.__('Edit Kernel');
      const item = await resolve(args, title, editable);
      if (!item?.details) {
        return;
      }
      const details = item.details;
      const initial = initialValues(item.displayName, details);
      const command = item.argv.slice(
        0,
        item.argv.length - details.extra_arguments.length
      );
      let values: IEditValues | undefined;
      let error: string | undefined;
      // Opens again, with what was typed and why, until saved or cancelled.
      for (;;) {
        const form = new EditKernelSpecForm({
          trans,
          name: item.name,
          command,
          initial,
          values,
          error
        });
        const result = await showDialog({
          title: trans.__('Edit “%1”', item.displayName),
          body: form,
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.okButton({ label: trans.__('Save') })
          ],
          focusNodeSelector: 'input[name="display_name"]'
        });
        if (!result.button.accept) {
          return;
        }
        values = form.values;
        error = form.problem ?? undefined;
        if (error) {
          continue;
        }
        const changes = form.getValue();
        if (Object.keys(changes).length === 0) {
          return;
        }
        try {
          await model.edit(item.name, changes);
        } catch (reason) {
          error = (reason as Error).message;
          continue;
        }
        Notification.success(
          trans.__('Saved the changes to “%1”.', item.displayName),
          { autoClose: 4000 }
        );
        return;
      }
    }
  });
}
