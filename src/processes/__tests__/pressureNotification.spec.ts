import { Notification } from '@jupyterlab/apputils';
import { ServiceManager } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import {
  followMemoryPressure,
  MAX_MESSAGE_LENGTH,
  MemoryPressureNotifier,
  shorten
} from '../pressureNotification';
import {
  FakeProcesses,
  GB,
  MB,
  notebook,
  pressureReply
} from './pressureFixtures';

const trans = nullTranslator.load('jupyterlab_kernel_manager');

const big = notebook('k-big', 'work/big.ipynb', 1200 * MB);
const mid = notebook('k-mid', 'mid.ipynb', 300 * MB);
const small = notebook('k-small', 'small.ipynb', 100 * MB);

function setup(options: Partial<MemoryPressureNotifier.IOptions> = {}) {
  const model = new FakeProcesses();
  const shutdown = jest.fn(async (_id: string) => undefined);
  const services = {
    kernels: { shutdown }
  } as unknown as ServiceManager.IManager;
  const commands = new CommandRegistry();
  const opened: unknown[] = [];
  commands.addCommand('docmanager:open', {
    execute: args => {
      opened.push(args.path);
    }
  });
  const refresh = jest.fn(async () => undefined);
  const notifier = followMemoryPressure({
    model,
    services,
    commands,
    trans,
    refresh,
    ...options
  });
  return { model, shutdown, opened, refresh, notifier };
}

/** The actions of the n-th warning shown. */
function warningActions(n = 0): Notification.IAction[] {
  return warningOptions(n).actions ?? [];
}

/** The options of the n-th warning shown. */
function warningOptions(n = 0): Notification.IOptions<any> {
  return (Notification.warning as jest.Mock).mock.calls[n][1];
}

function click(action: Notification.IAction): MouseEvent {
  const event = new MouseEvent('click', { cancelable: true });
  action.callback(event);
  return event;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await Promise.resolve();
  }
}

let warning: jest.SpyInstance;
let update: jest.SpyInstance;
let dismiss: jest.SpyInstance;
let error: jest.SpyInstance;

beforeEach(() => {
  // Spied, not replaced: the notifications go to the real manager.
  warning = jest.spyOn(Notification, 'warning');
  update = jest.spyOn(Notification, 'update');
  dismiss = jest.spyOn(Notification, 'dismiss');
  error = jest.spyOn(Notification, 'error');
});

afterEach(() => {
  jest.restoreAllMocks();
  Notification.manager.dismiss();
});

describe('MemoryPressureNotifier', () => {
  it('watches the model while on, and not while off', () => {
    const { model, notifier } = setup({ enabled: false });
    expect(model.watchers).toBe(0);
    notifier.configure({ enabled: true, threshold: 0.9 });
    expect(model.watchers).toBe(1);
    notifier.configure({ enabled: true, threshold: 0.8 });
    expect(model.watchers).toBe(1);
    notifier.configure({ enabled: true, threshold: 0 });
    expect(model.watchers).toBe(0);
    notifier.configure({ enabled: true, threshold: 0.9 });
    notifier.dispose();
    expect(model.watchers).toBe(0);
  });

  it('shows one warning per crossing, naming the largest kernels', () => {
    const { model, notifier } = setup();
    model.push(pressureReply(1.5 * GB, 2 * GB, [big, mid, small]));
    expect(warning).not.toHaveBeenCalled();
    model.push(pressureReply(1.86 * GB, 2 * GB, [big, mid, small]));
    model.push(pressureReply(1.9 * GB, 2 * GB, [big, mid, small]));
    model.push(pressureReply(1.95 * GB, 2 * GB, [big, mid, small]));
    expect(warning).toHaveBeenCalledTimes(1);
    expect(warning.mock.calls[0][0]).toBe(
      'Your memory is at 93% of your limit (1.9 GB of 2.0 GB). ' +
        'Largest kernels: big.ipynb 1.2 GB, mid.ipynb 300 MB, small.ipynb 100 MB'
    );
    expect(warningOptions().autoClose).toBe(false);
    expect(warningActions().map(a => a.label)).toEqual([
      'Shut down big.ipynb',
      'Open big.ipynb',
      'Shut down mid.ipynb',
      'Open mid.ipynb',
      'Shut down small.ipynb',
      'Open small.ipynb'
    ]);
    expect(update).not.toHaveBeenCalled();
    expect(Notification.manager.has(notifier.notificationId!)).toBe(true);
  });

  it('updates the warning only when the named kernels change', () => {
    const { model, notifier } = setup();
    const extra = notebook('k-extra', 'extra.ipynb', 50 * MB);
    model.push(pressureReply(1.9 * GB, 2 * GB, [big, mid, small, extra]));
    const id = notifier.notificationId;
    model.push(pressureReply(1.92 * GB, 2 * GB, [big, mid, small, extra]));
    model.push(
      pressureReply(1.93 * GB, 2 * GB, [
        { ...big, rss: 1300 * MB },
        mid,
        small,
        extra
      ])
    );
    expect(update).not.toHaveBeenCalled();
    model.push(
      pressureReply(1.93 * GB, 2 * GB, [
        big,
        mid,
        small,
        { ...extra, rss: 700 * MB }
      ])
    );
    expect(update).toHaveBeenCalledTimes(1);
    expect(update.mock.calls[0][0]).toMatchObject({
      id,
      type: 'warning',
      autoClose: false,
      message: expect.stringContaining('big.ipynb 1.2 GB, extra.ipynb 700 MB')
    });
    expect(warning).toHaveBeenCalledTimes(1);
  });

  it('dismisses the warning when usage falls back, and warns again after', () => {
    const { model, notifier } = setup();
    model.push(pressureReply(1.9 * GB, 2 * GB, [big]));
    const first = notifier.notificationId!;
    model.push(pressureReply(1.75 * GB, 2 * GB, [big]));
    expect(dismiss).not.toHaveBeenCalled();
    model.push(pressureReply(1.6 * GB, 2 * GB, [big]));
    expect(dismiss).toHaveBeenCalledWith(first);
    expect(Notification.manager.has(first)).toBe(false);
    expect(notifier.notificationId).toBeNull();
    model.push(pressureReply(1.9 * GB, 2 * GB, [big]));
    expect(warning).toHaveBeenCalledTimes(2);
    expect(notifier.notificationId).not.toBe(first);
  });

  it('dismisses the warning when turned off or disposed', () => {
    const { model, notifier } = setup();
    model.push(pressureReply(1.9 * GB, 2 * GB, [big]));
    const id = notifier.notificationId!;
    notifier.configure({ enabled: false, threshold: 0.9 });
    expect(dismiss).toHaveBeenCalledWith(id);
    // Turned on again while still high: a new warning.
    notifier.configure({ enabled: true, threshold: 0.9 });
    expect(warning).toHaveBeenCalledTimes(2);
    const again = notifier.notificationId!;
    notifier.dispose();
    expect(dismiss).toHaveBeenCalledWith(again);
  });

  it('follows the threshold setting', () => {
    const { model, notifier } = setup();
    model.push(pressureReply(1.7 * GB, 2 * GB, [big]));
    expect(warning).not.toHaveBeenCalled();
    notifier.configure({ enabled: true, threshold: 0.8 });
    expect(warning).toHaveBeenCalledTimes(1);
    expect(warning.mock.calls[0][0]).toContain('at 85% of your limit');
  });

  it('leaves it to the user once dismissed from the notification centre', () => {
    const { model, notifier } = setup();
    model.push(pressureReply(1.9 * GB, 2 * GB, [big, mid]));
    Notification.manager.dismiss(notifier.notificationId!);
    model.push(pressureReply(1.9 * GB, 2 * GB, [big, small]));
    expect(update).toHaveBeenCalledTimes(1);
    expect(notifier.notificationId).toBeNull();
    model.push(pressureReply(1.9 * GB, 2 * GB, [big, mid]));
    expect(update).toHaveBeenCalledTimes(1);
    expect(warning).toHaveBeenCalledTimes(1);
  });

  it('shuts the kernel down, keeps the warning and scans again', async () => {
    const { model, shutdown, refresh, notifier } = setup();
    model.push(pressureReply(1.9 * GB, 2 * GB, [big, mid]));
    const shutMid = warningActions()[2];
    expect(shutMid.label).toBe('Shut down mid.ipynb');
    const event = click(shutMid);
    // A second click while the first runs asks nothing more.
    click(shutMid);
    expect(event.defaultPrevented).toBe(true);
    await settle();
    expect(shutdown.mock.calls).toEqual([['k-mid']]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(Notification.manager.has(notifier.notificationId!)).toBe(true);
    // The scan without it renames the warning's kernels.
    model.push(pressureReply(1.85 * GB, 2 * GB, [big]));
    expect(update).toHaveBeenCalledTimes(1);
    expect(
      update.mock.calls[0][0].actions.map((a: Notification.IAction) => a.label)
    ).toEqual(['Shut down big.ipynb', 'Open big.ipynb']);
  });

  it('reports a failed shutdown', async () => {
    const { model, shutdown } = setup();
    shutdown.mockRejectedValueOnce(new Error('no such kernel'));
    model.push(pressureReply(1.9 * GB, 2 * GB, [big]));
    click(warningActions()[0]);
    await settle();
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0][0]).toBe(
      'Could not shut down the kernel of big.ipynb: no such kernel'
    );
  });

  it('opens the notebook with its path', async () => {
    const { model, opened } = setup();
    model.push(pressureReply(1.9 * GB, 2 * GB, [big]));
    const open = warningActions()[1];
    expect(open.label).toBe('Open big.ipynb');
    expect(click(open).defaultPrevented).toBe(true);
    await settle();
    expect(opened).toEqual(['work/big.ipynb']);
  });

  it('offers no Open for a kernel without a notebook', () => {
    const { model } = setup();
    model.push(pressureReply(1.9 * GB, 2 * GB, [{ id: 'bare', rss: 10 * MB }]));
    expect(warningActions().map(a => a.label)).toEqual([
      'Shut down python3 bare'
    ]);
  });

  it('keeps the message within what JupyterLab shows', () => {
    const { model } = setup();
    const long = (id: string, size: number) =>
      notebook(
        id,
        `${'a very long notebook name '.repeat(3)}${id}.ipynb`,
        size
      );
    model.push(
      pressureReply(1.9 * GB, 2 * GB, [
        long('x', 900 * MB),
        long('y', 800 * MB),
        long('z', 1 * MB)
      ])
    );
    const message: string = warning.mock.calls[0][0];
    expect(message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    // Two of the three names fit, each cut to 24 characters.
    expect(message).toContain(
      'Largest kernels: a very long…book name x 900 MB, a very long…book name y 800 MB'
    );
    expect(message).not.toContain('z.ipynb');
    const labels = warningActions().map(a => a.label);
    expect(labels.slice(0, 3)).toEqual([
      'Shut down a very…name x',
      'Open a very…name x',
      'Shut down a very…name y'
    ]);
  });
});

describe('shorten', () => {
  it('drops the extension, then cuts in the middle', () => {
    expect(shorten('short.ipynb', 14)).toBe('short.ipynb');
    expect(shorten('analysis-01.ipynb', 14)).toBe('analysis-01');
    expect(shorten('analysis-2024-01.ipynb', 14)).toBe('analysi…024-01');
    expect(shorten('analysis-2024-02.ipynb', 14)).toBe('analysi…024-02');
    expect(shorten('analysis-2024-01.ipynb', 14)).toHaveLength(14);
    expect(shorten('.ipynb_checkpoints-long', 10)).toBe('.ipyn…long');
  });
});
