import { processLabel } from '../common/format';
import { IProcessInfo } from '../common/types';

/**
 * Pure functions that turn the flat process list into the tree the
 * Processes table shows: server → kernels → their children, terminals,
 * and the user's other processes.
 */

export type ProcessSortKey = 'cpu' | 'memory' | 'name' | 'age';

export interface IProcessSort {
  key: ProcessSortKey;
  /** True for the largest first: most CPU, most memory, oldest, or Z to A. */
  descending: boolean;
}

export interface IProcessNode {
  process: IProcessInfo;
  children: IProcessNode[];
  /** Resident memory of the process and all its descendants. */
  subtreeRss: number;
  /** CPU percent of the process and all its descendants. */
  subtreeCpu: number;
}

/**
 * A row of the table: a node at its depth.
 */
export interface IProcessRow {
  node: IProcessNode;
  depth: number;
  expanded: boolean;
}

/**
 * Build the forest by parent pid; a process whose parent is not listed (not
 * the user's) is a root, and so is the Jupyter server, which comes first.
 * Siblings are sorted, and each node knows its subtree's totals.
 */
export function buildProcessTree(
  processes: ReadonlyArray<IProcessInfo>,
  sort: IProcessSort
): IProcessNode[] {
  const nodes = new Map<number, IProcessNode>();
  for (const process of processes) {
    nodes.set(process.pid, {
      process,
      children: [],
      subtreeRss: 0,
      subtreeCpu: 0
    });
  }
  const roots: IProcessNode[] = [];
  for (const node of nodes.values()) {
    const parent = nodes.get(node.process.ppid);
    // The server heads its own tree even when the user also owns its parent
    // (a shell, a spawner), so kernels and terminals are always found first.
    if (parent && parent !== node && node.process.kind !== 'server') {
      parent.children.push(node);
    } else {
      roots.push(node);
    }
  }
  const compare = comparator(sort);
  const finish = (node: IProcessNode): void => {
    node.subtreeRss = node.process.rss_bytes;
    node.subtreeCpu = node.process.cpu_percent ?? 0;
    for (const child of node.children) {
      finish(child);
      node.subtreeRss += child.subtreeRss;
      node.subtreeCpu += child.subtreeCpu;
    }
    node.children.sort(compare);
  };
  roots.forEach(finish);
  roots.sort(
    (a, b) =>
      Number(b.process.kind === 'server') -
        Number(a.process.kind === 'server') || compare(a, b)
  );
  return roots;
}

/**
 * The rows to show: every node whose ancestors are all expanded.
 *
 * The server's tree starts open and the user's other trees (shells, jobs
 * started outside Jupyter) start closed; `toggled` holds the pids the user
 * opened or closed against that.
 */
export function flattenProcessTree(
  roots: ReadonlyArray<IProcessNode>,
  toggled: ReadonlySet<number>
): IProcessRow[] {
  const rows: IProcessRow[] = [];
  const visit = (node: IProcessNode, depth: number) => {
    const openByDefault = depth > 0 || node.process.kind === 'server';
    const expanded = openByDefault !== toggled.has(node.process.pid);
    rows.push({ node, depth, expanded });
    if (expanded) {
      for (const child of node.children) {
        visit(child, depth + 1);
      }
    }
  };
  for (const root of roots) {
    visit(root, 0);
  }
  return rows;
}

/**
 * The row of the parent of row `index`: the nearest row above it that is
 * less deep; -1 for a root.
 */
export function parentRowIndex(
  rows: ReadonlyArray<IProcessRow>,
  index: number
): number {
  const row = rows[index];
  if (!row) {
    return -1;
  }
  for (let i = index - 1; i >= 0; i--) {
    if (rows[i].depth < row.depth) {
      return i;
    }
  }
  return -1;
}

function comparator(sort: IProcessSort) {
  const sign = sort.descending ? -1 : 1;
  const value = (node: IProcessNode): number | string => {
    switch (sort.key) {
      case 'cpu':
        return node.subtreeCpu;
      case 'memory':
        return node.subtreeRss;
      case 'age':
        // An earlier start is a greater age.
        return -node.process.started_at;
      default:
        return processLabel(node.process).toLowerCase();
    }
  };
  return (a: IProcessNode, b: IProcessNode): number => {
    const x = value(a);
    const y = value(b);
    const order =
      typeof x === 'string' && typeof y === 'string'
        ? x.localeCompare(y)
        : (x as number) - (y as number);
    return order * sign || a.process.pid - b.process.pid;
  };
}

/**
 * Resident memory of each kernel, its children included, by kernel id.
 */
export function kernelMemory(
  roots: ReadonlyArray<IProcessNode>
): Map<string, number> {
  const memory = new Map<string, number>();
  const visit = (node: IProcessNode) => {
    if (node.process.kind === 'kernel' && node.process.kernel) {
      memory.set(node.process.kernel.id, node.subtreeRss);
    }
    node.children.forEach(visit);
  };
  roots.forEach(visit);
  return memory;
}
