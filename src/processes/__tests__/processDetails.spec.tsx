import { nullTranslator } from '@jupyterlab/translation';
import { DisposableDelegate } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import { IHistoryReply, IProcessesReply } from '../../common/types';
import { ProcessHistory } from '../historyModel';
import { ProcessDetails } from '../ProcessDetails';

const trans = nullTranslator.load('jupyterlab_kernel_manager');

function processesReply(kernel: boolean, history = true): IProcessesReply {
  const base = {
    user: 'alice',
    state: 'sleeping',
    started_at: 0,
    cpu_percent: 1,
    rss_bytes: 100e6,
    uss_bytes: null,
    pss_bytes: null,
    threads: 1,
    terminal: null,
    ancestor: null
  };
  return {
    timestamp: 10000,
    user: 'alice',
    server_pid: 100,
    is_admin: false,
    processes: [
      {
        ...base,
        pid: 100,
        ppid: 1,
        name: 'jupyter-lab',
        cmdline: ['jupyter-lab'],
        kind: 'server',
        kernel: null
      },
      ...(kernel
        ? [
            {
              ...base,
              pid: 200,
              ppid: 100,
              name: 'python',
              cmdline: ['python', '-m', 'ipykernel_launcher', '-f', 'k.json'],
              kind: 'kernel' as const,
              kernel: {
                id: 'k1',
                kernelspec: 'python3',
                execution_state: 'idle',
                connections: 2,
                last_activity: 10000 - 7200,
                sessions: [
                  {
                    id: 's',
                    path: 'work/nb.ipynb',
                    name: 'nb',
                    type: 'notebook'
                  }
                ]
              }
            }
          ]
        : [])
    ],
    totals: { count: 2, cpu_percent: 150, rss_bytes: 300e6, uss_bytes: null },
    limits: {
      memory_bytes: 2e9,
      memory_source: 'env',
      cpu_cores: 2,
      cpu_source: 'machine'
    },
    machine: { memory_bytes: 8e9, cpu_count: 4 },
    culling: null,
    history: history ? { step: 5, seconds: 50 } : null
  };
}

const historyReply: IHistoryReply = {
  step: 5,
  seconds: 50,
  start: 1000,
  count: 2,
  total: { cpu: [10, 20], memory: [2e8, 3e8] },
  kernels: { k1: { cpu: [5, 6], memory: [1e8, 1.5e8] } }
};

function setUp(target: ProcessDetails['target']) {
  const processes = {
    changed: new Signal<unknown, void>({}),
    reply: processesReply(true) as IProcessesReply | null,
    status: 'ready',
    kernelMemory: new Map([['k1', 150e6]]),
    watchers: 0,
    watch() {
      this.watchers++;
      return new DisposableDelegate(() => this.watchers--);
    },
    push(reply: IProcessesReply) {
      this.reply = reply;
      this.changed.emit();
    }
  };
  const client = { history: jest.fn(async () => historyReply) };
  const history = new ProcessHistory({ client, processes });
  const widget = new ProcessDetails({
    processes: processes as any,
    history,
    target,
    trans
  });
  return { processes, history, client, widget };
}

async function until(test: () => boolean, timeout = 2000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeout) {
      throw new Error('timed out');
    }
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}

const text = (widget: Widget) => widget.node.textContent ?? '';

describe('ProcessDetails', () => {
  it("shows a kernel's facts and charts, live while attached", async () => {
    const { processes, history, client, widget } = setUp({ kernel: 'k1' });
    expect(widget.title.label).toBe('History: work/nb.ipynb');
    expect(processes.watchers).toBe(0);
    Widget.attach(widget, document.body);
    // The history's watch keeps the scans coming too.
    expect(processes.watchers).toBe(1);
    await until(() => client.history.mock.calls.length === 1);
    await until(() => text(widget).includes('150 MB now, peak 150 MB'));
    const shown = text(widget);
    for (const fact of [
      'python3',
      'idle',
      '2 h',
      '200',
      'ipykernel_launcher'
    ]) {
      expect(shown).toContain(fact);
    }
    expect(widget.node.querySelectorAll('figure')).toHaveLength(2);
    expect(shown).toContain('limit 200%');

    Widget.detach(widget);
    expect(processes.watchers).toBe(0);
    widget.dispose();
    history.dispose();
  });

  it('says plainly when the kernel ended, keeping what it last showed', async () => {
    const { processes, history, widget } = setUp({ kernel: 'k1' });
    Widget.attach(widget, document.body);
    await until(() => text(widget).includes('150 MB now'));
    processes.push(processesReply(false));
    await until(() => text(widget).includes('This kernel has ended'));
    expect(text(widget)).toContain('work/nb.ipynb');
    expect(text(widget)).toContain('150 MB now');
    expect(text(widget)).not.toContain('Idle for');
    widget.dispose();
    history.dispose();
  });

  it('says when the server keeps no history, and draws no chart', async () => {
    const { processes, history, widget } = setUp({ total: true });
    processes.reply = processesReply(true, false);
    Widget.attach(widget, document.body);
    processes.push(processesReply(true, false));
    await until(() => text(widget).includes('keeps no history'));
    expect(widget.title.label).toBe('History: All Your Processes');
    expect(text(widget)).toContain('300 MB of 2.0 GB');
    expect(widget.node.querySelector('figure')).toBeNull();
    widget.dispose();
    history.dispose();
  });
});
