import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { kernelIcon } from '@jupyterlab/ui-components';
import { CommandIDs } from '../common/commandIds';
import { IKernelManagerPanel } from '../common/tokens';
import { KernelManagerPanel } from './KernelManagerPanel';

/**
 * The Kernel Manager sidebar, empty until the parts add their sections.
 */
export const panelPlugin: JupyterFrontEndPlugin<IKernelManagerPanel> = {
  id: 'jupyterlab-kernel-manager:panel',
  description:
    'The Kernel Manager sidebar, to which each part adds its section.',
  autoStart: true,
  provides: IKernelManagerPanel,
  optional: [ICommandPalette, ITranslator, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null
  ): IKernelManagerPanel => {
    const trans = (translator ?? nullTranslator).load(
      'jupyterlab_kernel_manager'
    );
    const panel = new KernelManagerPanel({
      trans,
      translator: translator ?? undefined
    });
    app.shell.add(panel, 'left', { rank: 300 });
    restorer?.add(panel, 'jupyterlab-kernel-manager');

    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open Kernel Manager'),
      caption: trans.__('Show the Kernel Manager in the sidebar'),
      icon: args => (args.isPalette ? undefined : kernelIcon),
      execute: () => app.shell.activateById(panel.id)
    });
    palette?.addItem({
      command: CommandIDs.open,
      category: trans.__('Kernel Manager')
    });
    return panel;
  }
};
