import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { IUserUsage } from '../models/hub';
import { formatBytes } from '../models/validation';

/**
 * What a user runs, as one table cell: the figures as soon as any server
 * answered, else why there are none.
 */
export function HubUsageCell(props: {
  usage: IUserUsage | undefined;
  deadline: number;
  timeout: number;
  trans: TranslationBundle;
}): JSX.Element {
  const { usage, trans } = props;
  let text = '';
  let title: string | undefined;
  let late = false;
  if (usage && (usage.state === 'ok' || usage.answered > 0)) {
    text = trans._n(
      '%1 process, %2% CPU, %3',
      '%1 processes, %2% CPU, %3',
      usage.count,
      usage.cpuPercent.toFixed(0),
      formatBytes(usage.rssBytes)
    );
    title =
      usage.source === 'machine'
        ? trans.__('From the process list of this machine')
        : trans.__('%1 of %2 servers answered', usage.answered, usage.servers);
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
    text = text ? trans.__('%1 (%2)', text, status) : status;
  }
  return (
    <td
      className={late ? 'jp-KernelManager-hubUsage jp-mod-late' : 'jp-KernelManager-hubUsage'}
      title={title}
    >
      {text}
    </td>
  );
}

function seconds(ms: number): string {
  return (ms / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 });
}
