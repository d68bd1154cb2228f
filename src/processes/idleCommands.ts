import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { ServiceManager } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';
import { stopIcon } from '@jupyterlab/ui-components';
import { mapLimited } from '../common/async';
import { CommandIDs } from '../common/commandIds';
import { describeError } from '../common/format';
import { IIdleKernel } from './idle';
import { IdleKernelsForm } from './IdleKernelsForm';
import { ProcessesModel } from './model';

/** Shut-down requests in flight at once. */
const PARALLEL = 4;

/** Kernels a result names before "and N more". */
const NAMES_SHOWN = 5;

/**
 * "Shut down idle kernels…": the kernels idle longer than a chosen time
 * (default from the settings), listed in the confirmation; none with an open
 * connection unless asked; the result reported per kernel.
 */
export function addIdleKernelCommands(options: {
  app: JupyterFrontEnd;
  model: ProcessesModel;
  services: ServiceManager.IManager;
  trans: TranslationBundle;
  /** Minutes idle the dialog starts with. */
  idleMinutes: () => number;
}): void {
  const { app, model, services, trans } = options;
  app.commands.addCommand(CommandIDs.shutdownIdleKernels, {
    label: trans.__('Shut Down Idle Kernels…'),
    caption: trans.__('Shut down the kernels nobody has used for a while'),
    icon: args => (args.isPalette ? undefined : stopIcon),
    execute: async () => {
      // Fresh figures: the choice lists idle times and memory.
      await model.refresh();
      const reply = model.reply;
      if (!reply) {
        return;
      }
      const result = await showDialog({
        title: trans.__('Shut Down Idle Kernels'),
        body: new IdleKernelsForm({
          reply,
          memory: model.kernelMemory,
          minutes: options.idleMinutes(),
          trans
        }),
        buttons: [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.warnButton({ label: trans.__('Shut Down') })
        ]
      });
      const kernels = result.value?.kernels ?? [];
      if (!result.button.accept || kernels.length === 0) {
        return;
      }
      const outcomes = await mapLimited(kernels, PARALLEL, async kernel => {
        try {
          await services.kernels.shutdown(kernel.id);
          return { kernel, error: null };
        } catch (error) {
          return { kernel, error: describeError(error) };
        }
      });
      report(outcomes, trans);
      await model.refresh().catch(error => {
        console.warn('Kernel manager: could not list processes', error);
      });
    }
  });
}

/**
 * One notification: the kernels shut down, and each failure with its reason.
 */
function report(
  outcomes: { kernel: IIdleKernel; error: string | null }[],
  trans: TranslationBundle
): void {
  const done = outcomes.filter(outcome => outcome.error === null);
  const failed = outcomes.filter(outcome => outcome.error !== null);
  const names = (list: typeof outcomes) => {
    const shown = list.slice(0, NAMES_SHOWN).map(o => o.kernel.name);
    const more = list.length - shown.length;
    return more > 0
      ? trans.__('%1 and %2 more', shown.join(', '), more)
      : shown.join(', ');
  };
  const lines: string[] = [];
  if (done.length > 0) {
    lines.push(
      trans._n(
        'Shut down %1 idle kernel: %2.',
        'Shut down %1 idle kernels: %2.',
        done.length,
        names(done)
      )
    );
  }
  for (const outcome of failed.slice(0, NAMES_SHOWN)) {
    lines.push(
      trans.__(
        'Could not shut down %1: %2',
        outcome.kernel.name,
        outcome.error ?? ''
      )
    );
  }
  if (failed.length > NAMES_SHOWN) {
    lines.push(
      trans.__('%1 more could not be shut down.', failed.length - NAMES_SHOWN)
    );
  }
  const message = lines.join('\n');
  if (failed.length > 0) {
    Notification.warning(message, { autoClose: false });
  } else {
    Notification.success(message, { autoClose: 5000 });
  }
}
