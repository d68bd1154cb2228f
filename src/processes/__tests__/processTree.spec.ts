import { IProcessInfo } from '../../common/types';
import {
  buildProcessTree,
  flattenProcessTree,
  kernelMemory,
  parentRowIndex
} from '../processTree';
import { processLabel } from '../../common/format';

function proc(
  pid: number,
  ppid: number,
  extra: Partial<IProcessInfo> = {}
): IProcessInfo {
  return {
    pid,
    ppid,
    name: `p${pid}`,
    cmdline: [`p${pid}`],
    user: 'alice',
    state: 'sleeping',
    started_at: 1000 + pid,
    cpu_percent: 0,
    rss_bytes: 10,
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

function kernel(
  pid: number,
  id: string,
  path: string,
  extra: Partial<IProcessInfo> = {}
) {
  return proc(pid, 100, {
    kind: 'kernel',
    name: 'python',
    kernel: {
      id,
      kernelspec: 'python3',
      execution_state: 'idle',
      connections: 1,
      last_activity: null,
      sessions: [{ id: `s-${id}`, path, name: path, type: 'notebook' }]
    },
    ...extra
  });
}

// A user's processes: an ssh shell (1), the server (100) with two kernels,
// one of which started a child, and a terminal running a command.
const processes = [
  proc(1, 0, { name: 'bash', rss_bytes: 5 }),
  proc(100, 1, { kind: 'server', name: 'jupyter-lab', rss_bytes: 100 }),
  kernel(200, 'k-a', 'a.ipynb', { rss_bytes: 50, cpu_percent: 90 }),
  kernel(300, 'k-b', 'b.ipynb', { rss_bytes: 80, cpu_percent: 1 }),
  proc(201, 200, {
    kind: 'child',
    name: 'sleep',
    rss_bytes: 40,
    cpu_percent: 5
  }),
  proc(400, 100, {
    kind: 'terminal',
    name: 'bash',
    terminal: { name: '1' },
    rss_bytes: 3
  }),
  proc(401, 400, { kind: 'child', name: 'top', rss_bytes: 2 })
];

describe('buildProcessTree', () => {
  it('nests processes under their parents, whatever the order of the list', () => {
    const roots = buildProcessTree([...processes].reverse(), {
      key: 'memory',
      descending: true
    });
    // The server heads the first tree although the user's shell started it.
    expect(roots.map(node => node.process.pid)).toEqual([100, 1]);
    expect(roots[1].children).toEqual([]);
    const server = roots[0];
    expect(server.process.kind).toBe('server');
    expect(server.children.map(node => node.process.pid).sort()).toEqual([
      200, 300, 400
    ]);
    const a = server.children.find(node => node.process.pid === 200)!;
    expect(a.children.map(node => node.process.pid)).toEqual([201]);
  });

  it('puts the server first among roots and sums each subtree', () => {
    const roots = buildProcessTree(
      processes.filter(p => p.pid !== 1).concat(proc(9, 0, { rss_bytes: 999 })),
      { key: 'memory', descending: true }
    );
    expect(roots.map(node => node.process.pid)).toEqual([100, 9]);
    expect(roots[0].subtreeRss).toBe(100 + 50 + 40 + 80 + 3 + 2);
    expect(roots[0].subtreeCpu).toBe(96);
  });

  it('sorts siblings by CPU, memory with children, name or age, both ways', () => {
    const children = (
      key: 'cpu' | 'memory' | 'name' | 'age',
      descending: boolean
    ) =>
      buildProcessTree(processes, { key, descending })[0].children.map(
        node => node.process.pid
      );
    expect(children('cpu', true)).toEqual([200, 300, 400]);
    // Kernel a is 50 + its child's 40 = 90, kernel b 80.
    expect(children('memory', true)).toEqual([200, 300, 400]);
    expect(children('memory', false)).toEqual([400, 300, 200]);
    // Names: notebooks for kernels, the terminal's name for terminals.
    expect(children('name', false)).toEqual([400, 200, 300]);
    // Oldest first when descending: pid 200 started first.
    expect(children('age', true)).toEqual([200, 300, 400]);
    expect(children('age', false)).toEqual([400, 300, 200]);
  });

  it('survives a cycle or a process that is its own parent', () => {
    const roots = buildProcessTree([proc(5, 5), proc(6, 1)], {
      key: 'name',
      descending: false
    });
    expect(roots.map(node => node.process.pid)).toEqual([5, 6]);
  });
});

describe('flattenProcessTree', () => {
  it('lists rows depth-first and hides what is under a collapsed node', () => {
    const roots = buildProcessTree(processes, { key: 'cpu', descending: true });
    // Other trees than the server's start closed: the shell's is opened here.
    const all = flattenProcessTree(roots, new Set([1]));
    expect(all.map(row => [row.node.process.pid, row.depth])).toEqual([
      [100, 0],
      [200, 1],
      [201, 2],
      [300, 1],
      [400, 1],
      [401, 2],
      [1, 0]
    ]);
    const folded = flattenProcessTree(roots, new Set([200, 400]));
    expect(folded.map(row => row.node.process.pid)).toEqual([
      100, 200, 300, 400, 1
    ]);
    expect(folded.find(row => row.node.process.pid === 200)!.expanded).toBe(
      false
    );
    expect(folded.find(row => row.node.process.pid === 1)!.expanded).toBe(
      false
    );
  });
});

describe('parentRowIndex', () => {
  it('finds the row of each row’s parent, -1 for roots', () => {
    const rows = flattenProcessTree(
      buildProcessTree(processes, { key: 'cpu', descending: true }),
      new Set([1])
    );
    const parents = rows.map((row, index) => {
      const parent = parentRowIndex(rows, index);
      return [
        row.node.process.pid,
        parent < 0 ? null : rows[parent].node.process.pid
      ];
    });
    expect(parents).toEqual([
      [100, null],
      [200, 100],
      [201, 200],
      [300, 100],
      [400, 100],
      [401, 400],
      [1, null]
    ]);
    expect(parentRowIndex(rows, 99)).toBe(-1);
  });
});

describe('kernelMemory and processLabel', () => {
  it('gives each kernel its memory with children', () => {
    const memory = kernelMemory(
      buildProcessTree(processes, { key: 'cpu', descending: true })
    );
    expect(memory.get('k-a')).toBe(90);
    expect(memory.get('k-b')).toBe(80);
  });

  it('names kernels by notebook and terminals by name', () => {
    expect(processLabel(processes[2])).toBe('a.ipynb');
    expect(processLabel(processes[5])).toBe('1');
    expect(processLabel(processes[0])).toBe('bash');
  });
});
