import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { HubModel, IBulkProgress, IServerRef } from './model';

/** How many names a "start all" / "stop all" result lists before "and N more". */
const NAMES_SHOWN = 10;

/**
 * Run a "start all" / "stop all" under an in-progress notification with a
 * cancel action, then turn it into the result, naming the failed servers.
 */
export async function runBulkWithProgress(
  model: HubModel,
  targets: IServerRef[],
  action: 'start' | 'stop',
  trans: TranslationBundle
): Promise<void> {
  const controller = new AbortController();
  const cancel: Notification.IAction = {
    label: trans.__('Cancel'),
    caption: trans.__(
      'Send no more requests; servers already starting carry on'
    ),
    callback: event => {
      // Keep the notification: it turns into the result.
      event.preventDefault();
      controller.abort();
    }
  };
  const running = (progress: IBulkProgress) => {
    const step = Math.min(progress.done + 1, progress.total);
    let message =
      action === 'start'
        ? trans.__('Starting %1 of %2…', step, progress.total)
        : trans.__('Stopping %1 of %2…', step, progress.total);
    if (controller.signal.aborted) {
      message = trans.__('Cancelling…');
    } else if (progress.throttled) {
      message = trans.__(
        '%1 The hub asked to wait; trying again shortly.',
        message
      );
    }
    return message;
  };
  const id = Notification.emit(
    running({ ...emptyProgress(action, targets.length) }),
    'in-progress',
    { autoClose: false, actions: [cancel] }
  );
  const result = await model.forAll(targets, action, {
    signal: controller.signal,
    onProgress: progress =>
      Notification.update({
        id,
        message: running(progress),
        type: 'in-progress',
        autoClose: false,
        actions: controller.signal.aborted ? [] : [cancel]
      })
  });
  Notification.update({
    id,
    message: summary(result, trans),
    type:
      result.failed.length > 0
        ? 'error'
        : result.skipped.length > 0
          ? 'warning'
          : 'success',
    autoClose: result.failed.length > 0 ? false : 8000,
    actions: []
  });
}

function emptyProgress(action: 'start' | 'stop', total: number): IBulkProgress {
  return {
    action,
    total,
    done: 0,
    succeeded: [],
    failed: [],
    skipped: [],
    throttled: false
  };
}

/**
 * "Started 18 of 20; 2 failed: alice (…), bob/gpu (…)"; not started after
 * a cancel.
 */
function summary(result: IBulkProgress, trans: TranslationBundle): string {
  const ok = result.succeeded.length;
  const lines = [
    result.action === 'start'
      ? trans._n(
          'Started %1 of %2 server.',
          'Started %1 of %2 servers.',
          ok,
          result.total
        )
      : trans._n(
          'Stopped %1 of %2 server.',
          'Stopped %1 of %2 servers.',
          ok,
          result.total
        )
  ];
  if (result.failed.length > 0) {
    const named = result.failed
      .slice(0, NAMES_SHOWN)
      .map(item =>
        trans.__(
          '%1 (%2)',
          item.server ? `${item.user}/${item.server}` : item.user,
          item.message
        )
      )
      .join(', ');
    lines.push(
      result.failed.length > NAMES_SHOWN
        ? trans.__(
            '%1 failed: %2 and %3 more.',
            result.failed.length,
            named,
            result.failed.length - NAMES_SHOWN
          )
        : trans.__('%1 failed: %2.', result.failed.length, named)
    );
  }
  if (result.skipped.length > 0) {
    lines.push(
      trans._n(
        'Cancelled: %1 server was not asked.',
        'Cancelled: %1 servers were not asked.',
        result.skipped.length
      )
    );
  }
  return lines.join(' ');
}
