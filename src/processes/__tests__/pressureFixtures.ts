import { Signal } from '@lumino/signaling';
import { DisposableDelegate, IDisposable } from '@lumino/disposable';
import { IProcessesSource } from '../../common/tokens';
import {
  IProcessInfo,
  IProcessSession,
  IProcessesReply
} from '../../common/types';

export const MB = 1000 * 1000;
export const GB = 1000 * MB;

/**
 * A kernel to put in a reply: its own memory, its children's, and sessions.
 */
export interface IKernelFixture {
  id: string;
  rss: number;
  /** Resident bytes of each child process. */
  children?: number[];
  sessions?: Partial<IProcessSession>[];
}

let nextPid = 1000;

function processInfo(
  pid: number,
  ppid: number,
  rss: number,
  extra: Partial<IProcessInfo> = {}
): IProcessInfo {
  return {
    pid,
    ppid,
    name: 'python',
    cmdline: [],
    user: 'alice',
    state: 'sleeping',
    started_at: 1000,
    cpu_percent: 0,
    rss_bytes: rss,
    uss_bytes: null,
    pss_bytes: null,
    threads: 1,
    kind: 'other',
    kernel: null,
    terminal: null,
    ancestor: null,
    ...extra
  };
}

/**
 * A reply where the user uses `used` bytes of `limit`, with these kernels
 * under the server.
 */
export function pressureReply(
  used: number,
  limit: number,
  kernels: IKernelFixture[] = []
): IProcessesReply {
  const processes: IProcessInfo[] = [
    processInfo(100, 1, 100 * MB, { kind: 'server' })
  ];
  for (const kernel of kernels) {
    const pid = nextPid++;
    processes.push(
      processInfo(pid, 100, kernel.rss, {
        kind: 'kernel',
        kernel: {
          id: kernel.id,
          kernelspec: 'python3',
          execution_state: 'idle',
          connections: 1,
          last_activity: null,
          sessions: (kernel.sessions ?? []).map((session, i) => ({
            id: `${kernel.id}-s${i}`,
            path: '',
            name: '',
            type: 'notebook',
            ...session
          }))
        }
      })
    );
    for (const child of kernel.children ?? []) {
      processes.push(
        processInfo(nextPid++, pid, child, {
          kind: 'child',
          ancestor: { kind: 'kernel', id: kernel.id }
        })
      );
    }
  }
  return {
    timestamp: 2000,
    user: 'alice',
    server_pid: 100,
    is_admin: false,
    processes,
    totals: {
      count: processes.length,
      cpu_percent: 0,
      rss_bytes: used * 2,
      uss_bytes: used
    },
    limits: {
      memory_bytes: limit,
      memory_source: 'env',
      cpu_cores: 2,
      cpu_source: 'machine'
    },
    machine: { memory_bytes: 8 * GB, cpu_count: 2 },
    culling: null,
    history: null
  };
}

/** A notebook kernel: its session's path is `path`. */
export function notebook(
  id: string,
  path: string,
  rss: number,
  children: number[] = []
): IKernelFixture {
  return {
    id,
    rss,
    children,
    sessions: [{ path, name: path, type: 'notebook' }]
  };
}

/**
 * The processes model as the notifier sees it: replies set by the test, and
 * the watchers counted.
 */
export class FakeProcesses implements IProcessesSource {
  readonly changed = new Signal<this, void>(this);
  reply: IProcessesReply | null = null;
  kernelMemory = new Map<string, number>();
  watchers = 0;

  watch(): IDisposable {
    this.watchers++;
    return new DisposableDelegate(() => {
      this.watchers--;
    });
  }

  refreshes = 0;

  async refresh(): Promise<void> {
    this.refreshes++;
  }

  push(reply: IProcessesReply): void {
    this.reply = reply;
    this.changed.emit();
  }
}
