import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { IUserUsage } from './model';
import { formatBytes } from '../common/format';

/**
 * What a user runs, as one table cell: compact figures ("2 proc · 3% ·
 * 181 MB") as soon as any server answered, else why there are none. Screen
 * readers get the figures in words, and the tooltip says where they are from.
 *
 * The figures take two lines at most in a 250 px sidebar, whatever they are
 * ("1,024 proc · 100% · 12.3 GB"): the only place they may wrap is after the
 * count; CPU and memory stay together (non-breaking spaces), and the column
 * is wide enough for the widest of them (style/base.css). A status while
 * some of a user's servers have not answered goes on a line of its own.
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
  let status = '';
  let title: string | undefined;
  let late = false;
  if (usage && (usage.state === 'ok' || usage.answered > 0)) {
    const count = usage.count.toLocaleString();
    const cpu = usage.cpuPercent.toFixed(0);
    const memory = formatBytes(usage.rssBytes);
    // %1 is the bare count, %2 the count with the locale's separators
    // ("1,024"). Translators: keep the non-breaking spaces; the one plain
    // space (after the count) is where a narrow column wraps.
    compact = trans._n(
      '%2\u00a0proc\u00a0· %3%\u00a0·\u00a0%4',
      '%2\u00a0proc\u00a0· %3%\u00a0·\u00a0%4',
      usage.count,
      count,
      cpu,
      memory.replace(' ', '\u00a0')
    );
    full = trans._n(
      '%2 process, %3% CPU, %4',
      '%2 processes, %3% CPU, %4',
      usage.count,
      count,
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
    if (usage.state === 'loading') {
      status = trans.__('asking…');
    } else if (usage.state === 'slow') {
      late = true;
      status = trans.__('not responding');
      title = trans.__(
        'No answer within %1 s; asking again',
        seconds(props.deadline)
      );
    } else if (usage.state === 'timeout') {
      late = true;
      status = trans.__('not responding');
      title = trans.__('No answer within %1 s', seconds(props.timeout));
    } else {
      status = trans.__('unavailable');
      title = usage.message;
    }
    full = full ? trans.__('%1 (%2)', full, status) : status;
  }
  return (
    <td
      className={
        late
          ? 'jp-KernelManager-hubUsage jp-mod-late'
          : 'jp-KernelManager-hubUsage'
      }
      title={title}
    >
      {compact ? (
        <>
          <span className="jp-KernelManager-visuallyHidden">{full}</span>
          <span aria-hidden="true">
            <span>{compact}</span>
            {status && (
              <span className="jp-KernelManager-hubUsageStatus">{status}</span>
            )}
          </span>
        </>
      ) : (
        status
      )}
    </td>
  );
}

function seconds(ms: number): string {
  return (ms / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 });
}
