// The Processes table with sparklines, outside JupyterLab: the real
// ProcessHistory, ProcessTable (rows, windowing) and sparklines over
// synthetic data, bundled by processes_history.js (Rspack) and driven from
// Chromium through window.__history. 50 kernels and 2,000 rows: the server,
// 49 kernels without children (the largest, so they fill the view), and a
// 50th kernel with the other 1,950 rows as its children.
import { nullTranslator } from '@jupyterlab/translation';
import * as React from 'react';
import { createRoot } from 'react-dom/client';
import { IHistoryReply, IProcessInfo } from '../src/common/types';
import { ProcessHistory } from '../src/processes/historyModel';
import { ProcessTable } from '../src/processes/ProcessTable';
import {
  buildProcessTree,
  flattenProcessTree
} from '../src/processes/processTree';
import {
  TotalSparkline,
  useKernelSparklines
} from '../src/processes/useSparklines';

const STEP = 5;
const SECONDS = 1800;
const trans = nullTranslator.load('jupyterlab_kernel_manager');
const commands = { execute: () => Promise.resolve() } as any;

function processes(kernels: number, rows: number): IProcessInfo[] {
  const base = {
    user: 'alice',
    state: 'sleeping',
    started_at: 1,
    cpu_percent: 0,
    uss_bytes: null,
    pss_bytes: null,
    threads: 1,
    terminal: null,
    ancestor: null,
    kernel: null
  };
  const list: IProcessInfo[] = [
    {
      ...base,
      pid: 1000,
      ppid: 1,
      name: 'jupyter-lab',
      cmdline: ['jupyter-lab'],
      rss_bytes: 200e6,
      kind: 'server'
    }
  ];
  for (let i = 0; i < kernels; i++) {
    list.push({
      ...base,
      pid: 2000 + i,
      ppid: 1000,
      name: 'python',
      cmdline: ['python', '-m', 'ipykernel_launcher', '-f', `k${i}.json`],
      // The 49 largest first; the last kernel holds the children.
      rss_bytes: i === kernels - 1 ? 100e6 : 3e9 - i * 1e6,
      kind: 'kernel',
      kernel: {
        id: `kernel-${i}`,
        kernelspec: 'python3',
        execution_state: 'idle',
        connections: 1,
        last_activity: 1,
        sessions: [
          {
            id: `s${i}`,
            path: `projects/a fairly long notebook name ${i}.ipynb`,
            name: `a fairly long notebook name ${i}.ipynb`,
            type: 'notebook'
          }
        ]
      }
    });
  }
  const parent = 2000 + kernels - 1;
  for (let i = list.length; i < rows; i++) {
    list.push({
      ...base,
      pid: 10000 + i,
      ppid: parent,
      name: 'sleep',
      cmdline: ['sleep', '600'],
      rss_bytes: 1e6,
      kind: 'child',
      ancestor: { kind: 'kernel', id: `kernel-${kernels - 1}` }
    });
  }
  return list;
}

/** A reply of the history route: `count` slots from `slot`, every series. */
function reply(
  kernels: number,
  slot: number,
  count: number,
  seed: number
): IHistoryReply {
  const series = (k: number) => {
    const cpu: (number | null)[] = [];
    const memory: (number | null)[] = [];
    for (let i = 0; i < count; i++) {
      const t = slot + i;
      // A gap now and then, as when no scan fell in a slot.
      const gap = (t + k) % 97 === 0;
      cpu.push(
        gap ? null : Math.round(((t * 7 + k * 13 + seed) % 400) * 10) / 10
      );
      memory.push(
        gap
          ? null
          : Math.round(2e8 + 1e8 * Math.sin((t + k + seed) / 9) + k * 1e6)
      );
    }
    return { cpu, memory };
  };
  const out: IHistoryReply = {
    step: STEP,
    seconds: SECONDS,
    start: slot * STEP,
    count,
    total: series(-1),
    kernels: {}
  };
  for (let k = 0; k < kernels; k++) {
    out.kernels[`kernel-${k}`] = series(k);
  }
  return out;
}

function Table(props: {
  history: ProcessHistory;
  list: IProcessInfo[];
}): JSX.Element {
  const { history } = props;
  const sparklineFor = useKernelSparklines({ history, commands, trans });
  const rows = React.useMemo(
    () =>
      flattenProcessTree(
        buildProcessTree(props.list, { key: 'memory', descending: true }),
        new Set()
      ),
    [props.list]
  );
  return (
    <div className="jp-KernelManager-processes">
      <div className="jp-KernelManager-usage">
        <TotalSparkline
          history={history}
          max={8e9}
          commands={commands}
          trans={trans}
        />
      </div>
      <ProcessTable
        rows={rows}
        sort={{ key: 'memory', descending: true }}
        now={100}
        commands={commands}
        trans={trans}
        onSort={() => undefined}
        onToggle={() => undefined}
        actions={true}
        sparklineFor={sparklineFor}
      />
    </div>
  );
}

/** Set up: the table mounted in `host`, the whole window merged. */
function start(options: { kernels: number; rows: number; host: string }) {
  const history = new ProcessHistory({
    client: { history: () => Promise.reject(new Error('not used')) },
    processes: {
      changed: { connect: () => true, disconnect: () => true } as any,
      reply: null,
      watch: () => ({ dispose: () => undefined, isDisposed: false })
    }
  });
  let slot = Math.floor(Date.now() / 1000 / STEP);
  let seed = 0;
  history.merge(
    reply(options.kernels, slot - SECONDS / STEP + 1, SECONDS / STEP, 0)
  );
  const list = processes(options.kernels, options.rows);
  createRoot(document.querySelector(options.host)!).render(
    <Table history={history} list={list} />
  );
  return {
    /**
     * One update as the model gets it after a processes reply: the body of
     * a `since` reply (the newest slot again and, every 5th time, a new one)
     * parsed and merged. The render follows on React's schedule.
     */
    body: () => {
      seed++;
      if (seed % 5 === 0) {
        slot++;
      }
      return JSON.stringify(reply(options.kernels, slot - 1, 2, seed));
    },
    merge: (body: string) => history.merge(JSON.parse(body)),
    version: () => history.version
  };
}

(window as any).__history = { start };
