import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { IProcessesReply, IUserProcesses, LimitSource } from '../common/types';
import { CommandIDs } from '../common/commandIds';
import { ProcessesModel } from './model';
import { buildProcessTree, flattenProcessTree } from './processTree';
import { formatBytes } from '../common/format';
import { ProcessTable } from './ProcessTable';
import { useRerenderOn } from '../common/useSignal';
import { cullForecast } from './idle';
import { ProcessHistory } from './historyModel';
import { TotalSparkline, useKernelSparklines } from './useSparklines';
import { formatAge } from './ProcessRow';

/**
 * The body of the Processes section: usage against the limits, then the
 * user's process tree, or for admins every user's.
 */
export function ProcessesView(props: {
  model: ProcessesModel;
  /** CPU and memory over time; sparklines only with it. */
  history?: ProcessHistory | null;
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** False while the section is hidden: scans then cost no rendering. */
  isVisible?: () => boolean;
}): JSX.Element {
  const { model, commands, trans } = props;
  const [toggled, setToggled] = React.useState<ReadonlySet<number>>(new Set());
  useRerenderOn(model.changed, props.isVisible);
  const history = model.reply?.history ? (props.history ?? null) : null;
  const sparklineFor = useKernelSparklines({ history, commands, trans });
  const toggle = React.useCallback((pid: number) => {
    setToggled(previous => {
      const next = new Set(previous);
      if (!next.delete(pid)) {
        next.add(pid);
      }
      return next;
    });
  }, []);

  const reply = model.reply;
  if (model.status === 'off') {
    return (
      <p className="jp-KernelManager-empty" role="status">
        {trans.__(
          'Processes are switched off on this server by its administrator.'
        )}
      </p>
    );
  }
  return (
    <div className="jp-KernelManager-processes">
      {model.status === 'error' && (
        <div className="jp-KernelManager-error" role="alert">
          <span>
            {trans.__('Could not list processes: %1', model.error ?? '')}
          </span>
          <button
            className="jp-Button jp-mod-minimal"
            onClick={() => void commands.execute(CommandIDs.refreshProcesses)}
          >
            <refreshIcon.react tag="span" />
            {trans.__('Retry')}
          </button>
        </div>
      )}
      {!reply ? (
        model.status !== 'error' && (
          <p className="jp-KernelManager-empty">
            {trans.__('Loading processes…')}
          </p>
        )
      ) : (
        <>
          <Usage
            reply={reply}
            trans={trans}
            sparkline={
              history && (
                <TotalSparkline
                  history={history}
                  max={reply.limits.memory_bytes}
                  commands={commands}
                  trans={trans}
                />
              )
            }
          />
          {model.allUsers && reply.users ? (
            <AllUsers
              users={reply.users}
              own={reply}
              model={model}
              commands={commands}
              trans={trans}
              toggled={toggled}
              onToggle={toggle}
            />
          ) : (
            <ProcessTable
              rows={flattenProcessTree(model.tree, toggled)}
              sort={model.sort}
              now={reply.timestamp}
              commands={commands}
              trans={trans}
              onSort={sort => (model.sort = sort)}
              onToggle={toggle}
              actions={true}
              culling={reply.culling}
              sparklineFor={sparklineFor}
            />
          )}
        </>
      )}
    </div>
  );
}

/**
 * Memory and CPU in use against the limits that apply, as meters.
 */
function Usage(props: {
  reply: IProcessesReply;
  trans: TranslationBundle;
  /** The total's memory over time, beside the meter. */
  sparkline?: React.ReactNode;
}): JSX.Element {
  const { reply, trans } = props;
  const memoryLimit = reply.limits.memory_bytes;
  const cpuLimit = reply.limits.cpu_cores * 100;
  const memoryUsed = reply.totals.uss_bytes ?? reply.totals.rss_bytes;
  return (
    <div className="jp-KernelManager-usage">
      <Meter
        sparkline={props.sparkline}
        label={trans.__('Memory')}
        value={memoryUsed}
        max={memoryLimit}
        text={trans.__(
          '%1 of %2 (%3)',
          formatBytes(memoryUsed),
          formatBytes(memoryLimit),
          sourceLabel(reply.limits.memory_source, trans)
        )}
      />
      <Meter
        label={trans.__('CPU')}
        value={reply.totals.cpu_percent}
        max={cpuLimit}
        // In cores, as the limit is: "121% of 2 cores" would read as over it.
        text={trans.__(
          '%1 of %2 cores (%3)',
          (reply.totals.cpu_percent / 100).toFixed(1),
          (cpuLimit / 100).toString(),
          sourceLabel(reply.limits.cpu_source, trans)
        )}
      />
      <p className="jp-KernelManager-itemMeta">
        {trans._n('%1 process', '%1 processes', reply.totals.count)}
      </p>
      <CullingNote reply={reply} trans={trans} />
    </div>
  );
}

/**
 * What the server's culler does to idle kernels, and how many go soon.
 */
function CullingNote(props: {
  reply: IProcessesReply;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { reply, trans } = props;
  const culling = reply.culling;
  if (!culling || culling.idle_timeout <= 0) {
    return null;
  }
  const after = formatAge(culling.idle_timeout, trans);
  const rule =
    culling.connected && culling.busy
      ? trans.__('Kernels are shut down after %1 without activity.', after)
      : culling.connected
        ? trans.__('Idle kernels are shut down after %1.', after)
        : trans.__(
            'Idle kernels without an open notebook or console are shut down after %1.',
            after
          );
  const soon = reply.processes.filter(
    process => cullForecast(process, culling, reply.timestamp)?.next
  ).length;
  return (
    <p className="jp-KernelManager-cullingNote">
      {rule}{' '}
      {soon > 0 &&
        trans._n(
          '%1 kernel goes at the next check.',
          '%1 kernels go at the next check.',
          soon
        )}
    </p>
  );
}

function Meter(props: {
  sparkline?: React.ReactNode;
  label: string;
  value: number;
  max: number;
  text: string;
}): JSX.Element {
  const ratio = props.max > 0 ? Math.min(1, props.value / props.max) : 0;
  const level =
    ratio > 0.9 ? 'jp-mod-danger' : ratio > 0.7 ? 'jp-mod-warn' : '';
  return (
    <div className="jp-KernelManager-meterRow">
      <span className="jp-KernelManager-meterLabel">{props.label}</span>
      <div
        className={`jp-KernelManager-meter ${level}`}
        role="meter"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={props.max}
        aria-valuenow={props.value}
        aria-valuetext={props.text}
      >
        <div
          className="jp-KernelManager-meterFill"
          style={{ width: `${ratio * 100}%` }}
        />
      </div>
      {props.sparkline && (
        <span className="jp-KernelManager-meterSpark">{props.sparkline}</span>
      )}
      <span className="jp-KernelManager-meterText">{props.text}</span>
    </div>
  );
}

function sourceLabel(source: LimitSource, trans: TranslationBundle): string {
  switch (source) {
    case 'cgroup-v2':
    case 'cgroup-v1':
      return trans.__('your limit');
    case 'env':
      return trans.__('hub limit');
    default:
      return trans.__('whole machine');
  }
}

/**
 * Admins: one row per user, expanding to that user's processes (read-only).
 */
function AllUsers(props: {
  users: IUserProcesses[];
  own: IProcessesReply;
  model: ProcessesModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  toggled: ReadonlySet<number>;
  onToggle: (pid: number) => void;
}): JSX.Element {
  const { users, own, trans } = props;
  const [open, setOpen] = React.useState<ReadonlySet<string>>(new Set());
  const rows: IUserProcesses[] = [
    {
      user: own.user,
      hub_user: null,
      count: own.totals.count,
      cpu_percent: own.totals.cpu_percent,
      rss_bytes: own.totals.rss_bytes,
      processes: own.processes
    },
    ...users
  ];
  return (
    <table
      className="jp-KernelManager-userTable"
      aria-label={trans.__('Processes of every user')}
    >
      <thead>
        <tr>
          <th scope="col">{trans.__('User')}</th>
          <th scope="col" className="jp-KernelManager-colNumber">
            {trans.__('Processes')}
          </th>
          <th scope="col" className="jp-KernelManager-colNumber">
            {trans.__('CPU')}
          </th>
          <th scope="col" className="jp-KernelManager-colNumber">
            {trans.__('Memory')}
          </th>
        </tr>
      </thead>
      {rows.map(row => {
        const expanded = open.has(row.user);
        return (
          <tbody key={row.user} data-user={row.user}>
            <tr className="jp-KernelManager-userRow">
              <th scope="row">
                <button
                  className="jp-KernelManager-expander"
                  aria-expanded={expanded}
                  onClick={() => {
                    const next = new Set(open);
                    if (!next.delete(row.user)) {
                      next.add(row.user);
                    }
                    setOpen(next);
                  }}
                >
                  <span className="jp-KernelManager-caret" />
                  {row.user === own.user
                    ? trans.__('%1 (you)', row.user)
                    : row.user}
                </button>
              </th>
              <td className="jp-KernelManager-colNumber">{row.count}</td>
              <td className="jp-KernelManager-colNumber">{`${row.cpu_percent.toFixed(0)}%`}</td>
              <td className="jp-KernelManager-colNumber">
                {formatBytes(row.rss_bytes)}
              </td>
            </tr>
            {expanded && (
              <tr>
                <td colSpan={4}>
                  <ProcessTable
                    rows={flattenProcessTree(
                      buildProcessTree(row.processes, props.model.sort),
                      props.toggled
                    )}
                    sort={props.model.sort}
                    now={own.timestamp}
                    commands={props.commands}
                    trans={trans}
                    onSort={sort => (props.model.sort = sort)}
                    onToggle={props.onToggle}
                    actions={row.user === own.user}
                    label={trans.__('Processes of %1', row.user)}
                  />
                </td>
              </tr>
            )}
          </tbody>
        );
      })}
    </table>
  );
}
