import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  Dialog,
  InputDialog,
  MainAreaWidget,
  Notification,
  showDialog,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { addIcon, listIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { CommandIDs } from '../common/commandIds';
import { confirmWarning } from '../common/confirm';
import { UserPackagesModel } from './userPackagesModel';
import { UserPackagesForm, UserPackagesPanel } from './userPackagesView';

/**
 * User-site commands shown in the palette.
 */
export const USER_SITE_PALETTE_COMMANDS = [
  CommandIDs.listUserPackages,
  CommandIDs.addUserPackages
];

/**
 * Register the commands that list, add and remove the user-site packages of
 * a kernelspec's Python, each shown in a main-area panel per kernelspec.
 */
export function addUserSiteCommands(options: {
  app: JupyterFrontEnd;
  trans: TranslationBundle;
  /** The kernelspec selected in the Kernels section, if any. */
  selected: () => string | null;
}): void {
  const { app, trans, selected } = options;
  const { commands, serviceManager } = app;
  const panels = new WidgetTracker<MainAreaWidget<UserPackagesPanel>>({
    namespace: 'jupyterlab-kernel-manager-user-packages'
  });

  const displayName = (name: string) =>
    serviceManager.kernelspecs.specs?.kernelspecs[name]?.display_name ?? name;

  /** The spec named by the arguments, the selected one, or one asked for. */
  const specOf = async (
    args: ReadonlyPartialJSONObject,
    title: string
  ): Promise<string | undefined> => {
    if (typeof args.name === 'string') {
      return args.name;
    }
    const current = selected();
    if (current) {
      return current;
    }
    const names = Object.keys(
      serviceManager.kernelspecs.specs?.kernelspecs ?? {}
    );
    if (names.length === 0) {
      return undefined;
    }
    const result = await InputDialog.getItem({
      title,
      label: trans.__('Kernel'),
      items: names.sort(),
      okLabel: trans.__('Choose'),
      cancelLabel: trans.__('Cancel')
    });
    return result.button.accept && result.value ? result.value : undefined;
  };

  /** The panel of a spec, opened (and loaded) if it is not yet. */
  const open = (name: string): MainAreaWidget<UserPackagesPanel> => {
    const existing = panels.find(widget => widget.content.model.name === name);
    if (existing) {
      app.shell.activateById(existing.id);
      return existing;
    }
    const model = new UserPackagesModel({
      serverSettings: serviceManager.serverSettings,
      name,
      displayName: displayName(name)
    });
    const content = new UserPackagesPanel({ model, trans, commands });
    const widget = new MainAreaWidget({ content });
    widget.id = `jp-KernelManager-userPackages-${encodeURIComponent(name)}`;
    widget.title.label = trans.__('User Packages: %1', model.displayName);
    widget.title.icon = listIcon;
    widget.title.closable = true;
    void panels.add(widget);
    app.shell.add(widget, 'main');
    app.shell.activateById(widget.id);
    void model.refresh();
    return widget;
  };

  commands.addCommand(CommandIDs.listUserPackages, {
    label: args =>
      typeof args.name === 'string'
        ? trans.__('User Packages…')
        : trans.__('Show User Packages of a Kernel…'),
    caption: trans.__('What pip install --user put in the kernel’s Python'),
    icon: args => (args.isPalette ? undefined : listIcon),
    execute: async args => {
      const name = await specOf(args, trans.__('User Packages'));
      if (name) {
        open(name);
      }
    }
  });

  commands.addCommand(CommandIDs.addUserPackages, {
    label: args =>
      typeof args.name === 'string'
        ? trans.__('Add User Packages…')
        : trans.__('Add User Packages to a Kernel…'),
    icon: args => (args.isPalette ? undefined : addIcon),
    execute: async args => {
      const name = await specOf(args, trans.__('Add User Packages'));
      if (!name) {
        return;
      }
      const model = open(name).content.model;
      if (!model.reply) {
        await model.refresh();
      }
      const reply = model.reply;
      if (!reply?.available) {
        await showErrorMessage(
          trans.__('Cannot add user packages'),
          reply?.reason ?? model.error ?? ''
        );
        return;
      }
      let text = '';
      let error: string | undefined;
      for (;;) {
        const form = new UserPackagesForm({
          trans,
          version: reply.python_version,
          initial: text,
          error
        });
        const result = await showDialog({
          title: trans.__('Add User Packages to “%1”', model.displayName),
          body: form,
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.okButton({ label: trans.__('Install') })
          ],
          focusNodeSelector: 'textarea'
        });
        if (!result.button.accept) {
          return;
        }
        text = form.text;
        const packages = form.getValue();
        if (packages.length === 0) {
          error = trans.__('Name at least one package.');
          continue;
        }
        try {
          await model.add(packages);
        } catch (reason) {
          error = (reason as Error).message;
          continue;
        }
        announce(model, trans);
        return;
      }
    }
  });

  commands.addCommand(CommandIDs.removeUserPackage, {
    label: args =>
      typeof args.package === 'string'
        ? trans.__('Remove %1 from the User Site', args.package)
        : trans.__('Remove a User Package'),
    execute: async args => {
      const name = typeof args.name === 'string' ? args.name : undefined;
      const pkg = typeof args.package === 'string' ? args.package : undefined;
      if (!name || !pkg) {
        return;
      }
      const model = open(name).content.model;
      const version = model.reply?.python_version ?? '';
      const go = await confirmWarning(
        {
          title: trans.__('Remove %1?', pkg),
          body: trans.__(
            'It is removed from the user site only, for every kernel of Python %1 whose user site is on.',
            version
          ),
          accept: trans.__('Remove')
        },
        trans
      );
      if (!go) {
        return;
      }
      try {
        await model.remove(pkg);
      } catch (reason) {
        await showErrorMessage(
          trans.__('Could not remove %1', pkg),
          reason as Error
        );
      }
    }
  });
}

/**
 * A notification that follows an install to its end.
 */
function announce(model: UserPackagesModel, trans: TranslationBundle): void {
  const job = model.job;
  if (!job) {
    return;
  }
  const id = Notification.emit(
    trans.__('Adding user packages for “%1”…', model.displayName),
    'in-progress',
    { autoClose: false }
  );
  const onChanged = () => {
    const now = model.job;
    if (model.isDisposed && now?.state === 'running') {
      Notification.update({
        id,
        message: trans.__(
          'The log of “%1” was closed; the install goes on on the server.',
          model.displayName
        ),
        type: 'info',
        autoClose: 5000
      });
      return;
    }
    if (now?.id === job.id && now.state === 'running') {
      return;
    }
    model.changed.disconnect(onChanged);
    const ok = now?.id === job.id && now.state === 'succeeded';
    Notification.update({
      id,
      message: ok
        ? trans.__('User packages added for “%1”.', model.displayName)
        : trans.__(
            'Could not add user packages for “%1”: %2',
            model.displayName,
            now?.error ?? now?.state ?? ''
          ),
      type: ok ? 'success' : 'error',
      autoClose: ok ? 5000 : false
    });
  };
  model.changed.connect(onChanged);
}
