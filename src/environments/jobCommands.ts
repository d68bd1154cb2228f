import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  MainAreaWidget,
  Notification,
  showErrorMessage,
  WidgetTracker
} from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { listIcon } from '@jupyterlab/ui-components';
import { CommandIDs } from '../common/commandIds';
import { JobLogPanel } from './JobLogPanel';
import { JobModel } from './jobs';
import { EnvironmentsModel } from './model';

/**
 * The commands that show a job's log and cancel it, and a notification for
 * every job the model follows.
 */
export function addJobCommands(options: {
  app: JupyterFrontEnd;
  model: EnvironmentsModel;
  trans: TranslationBundle;
}): void {
  const { app, model, trans } = options;
  const { commands } = app;
  const logs = new WidgetTracker<MainAreaWidget<JobLogPanel>>({
    namespace: 'jupyterlab-kernel-manager-job-logs'
  });

  const showLog = (job: JobModel) => {
    const open = logs.find(widget => widget.content.job === job);
    if (open) {
      app.shell.activateById(open.id);
      return;
    }
    const content = new JobLogPanel({
      job,
      trans,
      onCancel: () =>
        void commands.execute(CommandIDs.cancelJob, { id: job.id })
    });
    const widget = new MainAreaWidget({ content });
    widget.id = `jp-KernelManager-job-${job.id}`;
    widget.title.label = trans.__('Log: %1', job.environment);
    widget.title.icon = listIcon;
    widget.title.closable = true;
    void logs.add(widget);
    app.shell.add(widget, 'main');
    app.shell.activateById(widget.id);
  };

  announceJobs(model, commands, trans);

  commands.addCommand(CommandIDs.showJobLog, {
    label: trans.__('Show Log'),
    execute: args => {
      const job = typeof args.id === 'string' ? model.job(args.id) : undefined;
      if (job) {
        showLog(job);
      }
    }
  });

  commands.addCommand(CommandIDs.cancelJob, {
    label: trans.__('Cancel Job'),
    execute: async args => {
      const job = typeof args.id === 'string' ? model.job(args.id) : undefined;
      if (!job || job.isFinished) {
        return;
      }
      try {
        await job.cancel();
      } catch (error) {
        await showErrorMessage(trans.__('Could not cancel'), error as Error);
      }
    }
  });
}

/**
 * A notification per job: in progress with "Show log" and "Cancel", then
 * success or the error, still with the log one click away.
 */
function announceJobs(
  model: EnvironmentsModel,
  commands: JupyterFrontEnd['commands'],
  trans: TranslationBundle
): void {
  const showLog = (job: JobModel) => ({
    label: trans.__('Show log'),
    callback: (event: MouseEvent) => {
      event.preventDefault();
      void commands.execute(CommandIDs.showJobLog, { id: job.id });
    }
  });
  model.jobStarted.connect((_, job) => {
    const message =
      job.kind === 'create' || job.kind === 'clone'
        ? trans.__('Creating environment “%1”…', job.environment)
        : trans.__('Adding packages to “%1”…', job.environment);
    const id = Notification.emit(message, 'in-progress', {
      autoClose: false,
      actions: [
        showLog(job),
        {
          label: trans.__('Cancel'),
          callback: () =>
            void commands.execute(CommandIDs.cancelJob, { id: job.id }),
          displayType: 'warn'
        }
      ]
    });
    void job.done.then(() => {
      const done = finishedMessage(job, trans);
      Notification.update({
        id,
        message: done.message,
        type: done.type,
        autoClose: job.state === 'succeeded' ? 5000 : false,
        actions: [showLog(job)]
      });
    });
  });
}

function finishedMessage(
  job: JobModel,
  trans: TranslationBundle
): { message: string; type: 'success' | 'error' | 'warning' } {
  const create = job.kind === 'create' || job.kind === 'clone';
  switch (job.state) {
    case 'succeeded':
      return {
        type: 'success',
        message: create
          ? trans.__(
              'Environment “%1” is ready: its kernel is in the launcher.',
              job.environment
            )
          : trans.__('Packages added to “%1”.', job.environment)
      };
    case 'cancelled':
      return {
        type: 'warning',
        message: create
          ? trans.__(
              'Creating “%1” was cancelled; nothing was left behind.',
              job.environment
            )
          : trans.__('Adding packages to “%1” was cancelled.', job.environment)
      };
    default:
      return {
        type: 'error',
        message: create
          ? trans.__(
              'Could not create “%1”: %2',
              job.environment,
              job.error ?? ''
            )
          : trans.__(
              'Could not add packages to “%1”: %2',
              job.environment,
              job.error ?? ''
            )
      };
  }
}
