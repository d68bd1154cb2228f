import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { IKernelSpecDetails } from '../common/types';
import { IKernelSpecItem } from './model';
import { IProcessesSource } from '../common/tokens';
import { processLabel } from '../common/format';
import { formatBytes } from '../common/format';
import { useRerenderOn } from '../common/useSignal';

/**
 * A person-readable name for where a kernelspec lives.
 */
export function sourceLabel(
  details: IKernelSpecDetails,
  trans: TranslationBundle
): string {
  if (details.source === 'shared') {
    return trans.__('Shared with every user by an administrator');
  }
  switch (details.location) {
    case 'user':
      return trans.__('Your own kernels');
    case 'environment':
      return details.environment
        ? trans.__('Environment (%1)', details.environment.backend)
        : trans.__('Environment');
    case 'sys-prefix':
      return trans.__("Jupyter's own Python environment");
    default:
      return trans.__('System-wide');
  }
}

/**
 * Why a spec is broken, or null when it is healthy.
 */
export function healthProblem(
  item: IKernelSpecItem,
  trans: TranslationBundle
): string | null {
  const details = item.details;
  if (!details) {
    return null;
  }
  if (details.error) {
    return trans.__('kernel.json cannot be read: %1', details.error);
  }
  if (!details.interpreter_exists) {
    return details.interpreter
      ? trans.__('Its interpreter no longer exists: %1', details.interpreter)
      : trans.__('It names no program to start');
  }
  return null;
}

/**
 * The expanded part of a row: interpreter, directory, source and health.
 */
export function KernelSpecDetails(props: {
  item: IKernelSpecItem;
  trans: TranslationBundle;
  processes?: IProcessesSource;
}): JSX.Element {
  const { item, trans } = props;
  const details = item.details;
  if (!details) {
    return (
      <div className="jp-KernelManager-details">
        {trans.__('Details are not available.')}
      </div>
    );
  }
  const problem = healthProblem(item, trans);
  return (
    <dl className="jp-KernelManager-details">
      <dt>{trans.__('Interpreter')}</dt>
      <dd className="jp-KernelManager-path">
        {details.interpreter ?? trans.__('None')}
      </dd>
      <dt>{trans.__('Directory')}</dt>
      <dd className="jp-KernelManager-path">{details.resource_dir}</dd>
      <dt>{trans.__('Source')}</dt>
      <dd>{sourceLabel(details, trans)}</dd>
      {details.environment && (
        <>
          <dt>{trans.__('Environment')}</dt>
          <dd className="jp-KernelManager-path">{details.environment.path}</dd>
        </>
      )}
      <KernelSpecSettings details={details} trans={trans} />
      <dt>{trans.__('Health')}</dt>
      <dd className={problem ? 'jp-KernelManager-problem' : undefined}>
        {problem ?? trans.__('Healthy')}
      </dd>
      <dt>{trans.__('Running')}</dt>
      <dd>
        {trans._n('%1 kernel', '%1 kernels', item.running)}
        {item.running > 0 && props.processes && (
          <RunningKernels
            spec={item.name}
            processes={props.processes}
            trans={trans}
          />
        )}
      </dd>
      <dt>{trans.__('Changes')}</dt>
      <dd>
        {details.writable
          ? trans.__('You can rename, edit or remove it')
          : trans.__('Read-only for you')}
      </dd>
    </dl>
  );
}

/**
 * What an edit may change besides the name: environment variables, extra
 * arguments, interrupt mode (shown only when set).
 */
function KernelSpecSettings(props: {
  details: IKernelSpecDetails;
  trans: TranslationBundle;
}): JSX.Element {
  const { details, trans } = props;
  const env = Object.entries(details.env);
  return (
    <>
      {env.length > 0 && (
        <>
          <dt>{trans.__('Environment variables')}</dt>
          <dd className="jp-KernelManager-path">
            <ul className="jp-KernelManager-settingList">
              {env.map(([name, value]) => (
                <li key={name}>{trans.__('%1=%2', name, value)}</li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {details.extra_arguments.length > 0 && (
        <>
          <dt>{trans.__('Extra arguments')}</dt>
          <dd className="jp-KernelManager-path">
            {details.extra_arguments.join(' ')}
          </dd>
        </>
      )}
      {details.interrupt_mode === 'message' && (
        <>
          <dt>{trans.__('Interrupt')}</dt>
          <dd>{trans.__('By message')}</dd>
        </>
      )}
    </>
  );
}

/**
 * The running kernels of a spec with their notebook and memory (children
 * included); the process scan runs while this is shown.
 */
function RunningKernels(props: {
  spec: string;
  processes: IProcessesSource;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { spec, processes, trans } = props;
  useRerenderOn(processes.changed);
  // The scan runs while this is shown.
  React.useEffect(() => {
    const watch = processes.watch();
    return () => watch.dispose();
  }, [processes]);
  const kernels = (processes.reply?.processes ?? []).filter(
    process => process.kind === 'kernel' && process.kernel?.kernelspec === spec
  );
  if (kernels.length === 0) {
    return null;
  }
  return (
    <ul className="jp-KernelManager-runningKernels">
      {kernels.map(process => (
        <li key={process.pid}>
          {trans.__(
            '%1: %2',
            processLabel(process) || trans.__('no notebook'),
            formatBytes(
              processes.kernelMemory.get(process.kernel!.id) ??
                process.rss_bytes
            )
          )}
        </li>
      ))}
    </ul>
  );
}
