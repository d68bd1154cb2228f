import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  InputDialog,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { CommandIDs } from '../common/commandIds';
import { ExportFormat, IEnvironment, IExportReply } from '../common/types';
import { EnvironmentsModel } from './model';
import { SharedEnvironmentsModel } from './sharedModel';
import { freePath } from './requirementsFile';

const FORMATS: ExportFormat[] = [
  'requirements.txt',
  'pylock.toml',
  'environment.yml'
];

export interface IExportCommandsOptions {
  app: JupyterFrontEnd;
  model: EnvironmentsModel;
  /** Shared environments may be exported too (`shared: true`, or their row). */
  shared?: SharedEnvironmentsModel;
  browsers: IFileBrowserFactory | null;
  trans: TranslationBundle;
}

/**
 * Export an environment as a pinned file, and clone one under a new name.
 *
 * Both take `name` (else the row of the context menu, else the user picks);
 * export also `format` and `to` (`folder`: the file browser's current folder,
 * `download`), asked when absent.
 */
export function addExportCommands(options: IExportCommandsOptions): void {
  const { app, model, shared, browsers, trans } = options;
  const { commands } = app;
  const contents = app.serviceManager.contents;

  /** A shared environment named by the arguments or the context menu. */
  const sharedTarget = (args: ReadonlyPartialJSONObject) => {
    if (!shared) {
      return undefined;
    }
    if (typeof args.name === 'string') {
      return args.shared === true ? shared.get(args.name) : undefined;
    }
    const node = app.contextMenuHitTest(
      element => element.dataset.sharedEnvironmentName !== undefined
    );
    const name = node?.dataset.sharedEnvironmentName;
    return name !== undefined ? shared.get(name) : undefined;
  };
  const targetOf = (args: ReadonlyPartialJSONObject) => {
    const sharedOne = sharedTarget(args);
    if (sharedOne || args.shared === true) {
      return sharedOne;
    }
    if (typeof args.name === 'string') {
      return model.get(args.name);
    }
    const node = app.contextMenuHitTest(
      element => element.dataset.environmentName !== undefined
    );
    const name = node?.dataset.environmentName;
    return name !== undefined ? model.get(name) : undefined;
  };
  const pick = async (
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
      await showErrorMessage(title, trans.__('You have no environment.'));
      return undefined;
    }
    const picked = await InputDialog.getItem({
      title,
      label: trans.__('Environment'),
      items: choices.map(env => env.name)
    });
    return picked.button.accept && picked.value !== null
      ? model.get(picked.value)
      : undefined;
  };
  const idle = (args: ReadonlyPartialJSONObject) => {
    const target = targetOf(args);
    return target ? target.job === null : typeof args.name !== 'string';
  };
  const folder = () => browsers?.tracker.currentWidget?.model.path ?? '';

  commands.addCommand(CommandIDs.exportEnvironment, {
    label: args =>
      targetOf(args) ? trans.__('Export…') : trans.__('Export an Environment…'),
    caption: trans.__(
      'Save the packages of an environment, pinned, as a requirements.txt, pylock.toml or environment.yml'
    ),
    isEnabled: idle,
    execute: async args => {
      const title = trans.__('Export Environment');
      const fromShared = !!sharedTarget(args);
      const env = await pick(args, title);
      if (!env) {
        return;
      }
      let format = FORMATS.find(f => f === args.format);
      if (!format) {
        const chosen = await InputDialog.getItem({
          title: trans.__('Export “%1”', env.name),
          label: trans.__('Format'),
          items: FORMATS
        });
        format = FORMATS.find(f => f === chosen.value);
        if (!chosen.button.accept || !format) {
          return;
        }
      }
      let to = args.to;
      if (to !== 'folder' && to !== 'download') {
        const where = folder() || trans.__('your home folder');
        const answer = await showDialog({
          title: trans.__('Export “%1”', env.name),
          body: trans.__(
            'Save the %1 file into the file browser’s folder (%2), or download it?',
            format,
            where
          ),
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.okButton({
              label: trans.__('Download'),
              caption: 'download'
            }),
            Dialog.okButton({ label: trans.__('Save'), caption: 'folder' })
          ]
        });
        if (!answer.button.accept) {
          return;
        }
        to = answer.button.caption;
      }
      let reply: IExportReply;
      try {
        reply = await (fromShared && shared ? shared : model).export(
          env.name,
          format
        );
      } catch (error) {
        await showErrorMessage(title, error as Error);
        return;
      }
      const leftOut = reply.left_out.length
        ? ' ' +
          trans.__(
            'Left out (editable or local): %1.',
            reply.left_out.join(', ')
          )
        : '';
      if (to === 'download') {
        download(reply.filename, reply.content);
        Notification.success(
          trans.__('Downloaded %1.', reply.filename) + leftOut,
          { autoClose: 5000 }
        );
        return reply.filename;
      }
      try {
        const path = await freePath(contents, folder(), reply.filename);
        await contents.save(path, {
          type: 'file',
          format: 'text',
          content: reply.content
        });
        Notification.success(trans.__('Saved %1.', path) + leftOut, {
          autoClose: 5000
        });
        return path;
      } catch (error) {
        await showErrorMessage(title, error as Error);
      }
    }
  });

  commands.addCommand(CommandIDs.cloneEnvironment, {
    label: args =>
      targetOf(args) ? trans.__('Clone…') : trans.__('Clone an Environment…'),
    caption: trans.__(
      'Copy an environment, its Python and packages, under a new name'
    ),
    isEnabled: idle,
    execute: async args => {
      const title = trans.__('Clone Environment');
      const env = await pick(args, title);
      if (!env) {
        return;
      }
      let name = typeof args.newName === 'string' ? args.newName : '';
      for (;;) {
        if (!name) {
          const answer = await InputDialog.getText({
            title: trans.__('Clone “%1”', env.name),
            label: trans.__('Name of the copy'),
            text: `${env.name}-copy`,
            okLabel: trans.__('Clone')
          });
          if (!answer.button.accept || !answer.value) {
            return;
          }
          name = answer.value.trim();
        }
        try {
          const job = await model.clone(env.name, { name });
          return job.id;
        } catch (error) {
          await showErrorMessage(title, error as Error);
          name = '';
        }
      }
    }
  });
}

/**
 * Hand `content` to the browser as a file download.
 */
function download(filename: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: 'text/plain' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
