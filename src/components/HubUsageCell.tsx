import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { IUserUsage } from '../models/hub';
import { formatBytes } from '../models/validation';

/**
 * What a user runs, as one table cell: compact figures ("2 proc · 3% ·
 * 181 MB") as soon as any server answered, else why there are none. Screen
 * readers get the figures in words, and the tooltip says where they are from.
 */
export function HubUsageCell(props: {
  usage: IUserUsage | undefined;
  deadline: number;
  timeout: number;
  trans: TranslationBundle;
}): JSX.Element {
  const { usage, trans } = props;
  let compact = '';
  let full = '';
  let title: string | undefined;
  let late = false;
  if (usage && (usage.state === 'ok' || usage.answered > 0)) {
    const cpu = usage.cpuPercent.toFixed(0);
    const memory = formatBytes(usage.rssBytes);
    // Non-breaking spaces within each figure: a narrow column wraps after a
    // "·" only, never inside "181 MB".
    compact = trans._n(
      '%1\u00a0proc\u00a0· %2%\u00a0· %3',
      '%1\u00a0proc\u00a0· %2%\u00a0· %3',
      usage.count,
      cpu,
      memory.replace(' ', '\u00a0')
    );
    full = trans._n(
      '%1 process, %2% CPU, %3',
      '%1 processes, %2% CPU, %3',
      usage.count,
      cpu,
      memory
    );
    const source =
      usage.source === 'machine'
        ? trans.__('From the process list of this machine')
        : trans.__('%1 of %2 servers answered', usage.answered, usage.servers);
    title = `${full}\n${source}`;
  }
  if (usage && usage.state !== 'ok') {
    let status = '';
    if (usage.state === 'loading') {
      status = trans.__('asking…');
    } else if (usage.state === 'slow') {
      late = true;
      status = trans.__('not responding');
      title = trans.__('No answer within %1 s; asking again', seconds(props.deadline));
    } else if (usage.state === 'timeout') {
      late = true;
      status = trans.__('not responding');
      title = trans.__('No answer within %1 s', seconds(props.timeout));
    } else {
      status = trans.__('unavailable');
      title = usage.message;
    }
    compact = compact ? trans.__('%1 (%2)', compact, status) : status;
    full = full ? trans.__('%1 (%2)', full, status) : status;
  }
  return (
    <td
      className={late ? 'jp-KernelManager-hubUsage jp-mod-late' : 'jp-KernelManager-hubUsage'}
      title={title}
    >
      {full === compact ? (
        full
      ) : (
        <>
          <span className="jp-KernelManager-visuallyHidden">{full}</span>
          <span aria-hidden="true">{compact}</span>
        </>
      )}
    </td>
  );
}

function seconds(ms: number): string {
  return (ms / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 });
}
