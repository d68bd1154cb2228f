import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { historyIcon } from '@jupyterlab/ui-components';
import { CommandIDs } from '../common/commandIds';
import { ProcessHistory } from './historyModel';
import { ProcessesModel } from './model';
import {
  detailsKey,
  ProcessDetails,
  ProcessDetailsTarget
} from './ProcessDetails';

/**
 * History commands shown in the palette.
 */
export const HISTORY_PALETTE_COMMANDS = [CommandIDs.showProcessHistory];

/**
 * Register the command that opens a kernel's details with its CPU and memory
 * over time (args `{kernel: id}`), or the user's total (`{total: true}`, or
 * no arguments); one panel per kernel and one for the total, brought to the
 * front when it is already open.
 */
export function addHistoryCommands(options: {
  app: JupyterFrontEnd;
  model: ProcessesModel;
  history: ProcessHistory;
  trans: TranslationBundle;
}): void {
  const { app, model, history, trans } = options;
  const panels = new WidgetTracker<MainAreaWidget<ProcessDetails>>({
    namespace: 'jupyterlab-kernel-manager-process-history'
  });

  app.commands.addCommand(CommandIDs.showProcessHistory, {
    label: args =>
      typeof args.kernel === 'string'
        ? trans.__('Show CPU and Memory History')
        : trans.__('Show CPU and Memory History of All Your Processes'),
    caption: trans.__('CPU and memory over the last minutes, with the limits'),
    icon: args => (args.isPalette ? undefined : historyIcon),
    execute: args => {
      const target: ProcessDetailsTarget =
        typeof args.kernel === 'string' && args.kernel
          ? { kernel: args.kernel }
          : { total: true };
      const key = detailsKey(target);
      const existing = panels.find(widget => widget.content.key === key);
      if (existing) {
        app.shell.activateById(existing.id);
        return;
      }
      const content = new ProcessDetails({
        processes: model,
        history,
        target,
        trans
      });
      const widget = new MainAreaWidget({ content });
      widget.id = `jp-KernelManager-history-${key}`;
      widget.title.closable = true;
      void panels.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    }
  });
}
