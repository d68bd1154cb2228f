import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { ServiceManager } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, usersIcon } from '@jupyterlab/ui-components';
import { IProcessInfo, SignalName } from '../common/types';
import { CommandIDs } from '../common/commandIds';
import { ProcessesModel } from './model';
import { processLabel } from '../common/format';
import { confirmWarning } from '../common/confirm';

export const PROCESS_PALETTE_COMMANDS = [
  CommandIDs.refreshProcesses,
  CommandIDs.shutdownIdleKernels,
  CommandIDs.toggleAllUsers
];

export interface IProcessCommandsOptions {
  app: JupyterFrontEnd;
  model: ProcessesModel;
  services: ServiceManager.IManager;
  trans: TranslationBundle;
}

const SIGNALS: ReadonlyArray<SignalName> = ['INT', 'TERM', 'KILL'];

/**
 * Commands of the Processes section. Kernels and terminals are acted on
 * through JupyterLab's own managers, so the rest of the application knows;
 * plain processes through our signal route, after a confirmation.
 */
export function addProcessCommands(options: IProcessCommandsOptions): void {
  const { app, model, services, trans } = options;
  const { commands } = app;

  const findProcess = (pid: number): IProcessInfo | undefined =>
    model.reply?.processes.find(process => process.pid === pid);

  const kernelName = (id: string): string => {
    const process = model.reply?.processes.find(p => p.kernel?.id === id);
    return process ? processLabel(process) : id;
  };

  /** Run a kernel action, showing failures. */
  const onKernel = async (
    title: string,
    id: unknown,
    action: (id: string) => Promise<void>
  ) => {
    if (typeof id !== 'string') {
      return;
    }
    try {
      await action(id);
    } catch (error) {
      await showErrorMessage(title, error as Error);
    }
    void model
      .refresh()
      .catch(error =>
        console.warn('Kernel manager: could not list processes', error)
      );
  };

  commands.addCommand(CommandIDs.refreshProcesses, {
    label: trans.__('Refresh Processes'),
    icon: args => (args.isPalette ? undefined : refreshIcon),
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.toggleAllUsers, {
    label: trans.__('Show Processes of All Users'),
    caption: trans.__('Administrators: every user’s processes on this machine'),
    icon: args => (args.isPalette ? undefined : usersIcon),
    isToggled: () => model.allUsers,
    isVisible: () => !!model.reply?.is_admin,
    execute: () => {
      model.allUsers = !model.allUsers;
    }
  });

  commands.addCommand(CommandIDs.interruptKernel, {
    label: trans.__('Interrupt Kernel'),
    execute: args =>
      onKernel(trans.__('Could not interrupt the kernel'), args.id, id =>
        services.kernels.connectTo({ model: { id, name: '' } }).interrupt()
      )
  });

  commands.addCommand(CommandIDs.restartKernel, {
    label: trans.__('Restart Kernel…'),
    execute: async args => {
      const id = args.id;
      if (typeof id !== 'string') {
        return;
      }
      const accepted = await confirmWarning(
        {
          title: trans.__('Restart Kernel'),
          body: trans.__(
            'Restart the kernel of “%1”? Its variables are lost.',
            kernelName(id)
          ),
          accept: trans.__('Restart')
        },
        trans
      );
      if (accepted) {
        await onKernel(trans.__('Could not restart the kernel'), id, id =>
          services.kernels.connectTo({ model: { id, name: '' } }).restart()
        );
      }
    }
  });

  commands.addCommand(CommandIDs.shutdownKernel, {
    label: trans.__('Shut Down Kernel…'),
    execute: async args => {
      const id = args.id;
      if (typeof id !== 'string') {
        return;
      }
      const accepted = await confirmWarning(
        {
          title: trans.__('Shut Down Kernel'),
          body: trans.__(
            'Shut down the kernel of “%1”? Its variables are lost.',
            kernelName(id)
          ),
          accept: trans.__('Shut Down')
        },
        trans
      );
      if (accepted) {
        await onKernel(trans.__('Could not shut down the kernel'), id, id =>
          services.kernels.shutdown(id)
        );
      }
    }
  });

  commands.addCommand(CommandIDs.shutdownTerminal, {
    label: trans.__('Close Terminal…'),
    execute: async args => {
      const name = args.name;
      if (typeof name !== 'string') {
        return;
      }
      const accepted = await confirmWarning(
        {
          title: trans.__('Close Terminal'),
          body: trans.__(
            'Close terminal %1? Programs running in it are stopped.',
            name
          ),
          accept: trans.__('Close')
        },
        trans
      );
      if (!accepted) {
        return;
      }
      try {
        await services.terminals.shutdown(name);
      } catch (error) {
        await showErrorMessage(
          trans.__('Could not close the terminal'),
          error as Error
        );
      }
      void model
        .refresh()
        .catch(error =>
          console.warn('Kernel manager: could not list processes', error)
        );
    }
  });

  commands.addCommand(CommandIDs.signalProcess, {
    label: args =>
      args.signal === 'KILL'
        ? trans.__('Kill Process…')
        : args.signal === 'INT'
          ? trans.__('Interrupt Process')
          : trans.__('Stop Process…'),
    execute: async args => {
      const pid = Number(args.pid);
      const signal = args.signal as SignalName;
      if (!Number.isInteger(pid) || !SIGNALS.includes(signal)) {
        return;
      }
      const process = findProcess(pid);
      const name = process ? processLabel(process) : String(pid);
      if (signal !== 'INT') {
        const result = await showDialog({
          title:
            signal === 'KILL'
              ? trans.__('Kill Process')
              : trans.__('Stop Process'),
          body:
            signal === 'KILL'
              ? trans.__(
                  'Kill %1 (pid %2) at once? It cannot save anything.',
                  name,
                  pid
                )
              : trans.__('Ask %1 (pid %2) to stop?', name, pid),
          buttons: [
            Dialog.cancelButton({ label: trans.__('Cancel') }),
            Dialog.warnButton({
              label: signal === 'KILL' ? trans.__('Kill') : trans.__('Stop')
            })
          ]
        });
        if (!result.button.accept) {
          return;
        }
      }
      try {
        await model.signal(pid, signal);
      } catch (error) {
        await showErrorMessage(
          trans.__('Could not signal %1', name),
          error as Error
        );
      }
    }
  });
}
