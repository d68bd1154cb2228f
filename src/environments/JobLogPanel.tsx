import { ReactWidget } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { JobState } from '../common/types';
import { JobModel } from './jobs';

/**
 * The streaming log of one job, with its state and a Cancel button, shown in
 * the main area.
 */
export class JobLogPanel extends ReactWidget {
  constructor(options: JobLogPanel.IOptions) {
    super();
    this.addClass('jp-KernelManager-jobLog');
    this.job = options.job;
    this._trans = options.trans;
    this._onCancel = options.onCancel;
    this.job.changed.connect(this._onChanged, this);
  }

  readonly job: JobModel;

  render(): JSX.Element {
    return (
      <JobLogView
        job={this.job}
        trans={this._trans}
        onCancel={this._onCancel}
      />
    );
  }

  dispose(): void {
    this.job.changed.disconnect(this._onChanged, this);
    super.dispose();
  }

  private _onChanged(): void {
    this.update();
  }

  private _trans: TranslationBundle;
  private _onCancel: () => void;
}

export namespace JobLogPanel {
  export interface IOptions {
    job: JobModel;
    trans: TranslationBundle;
    onCancel: () => void;
  }
}

/**
 * A person-readable job state.
 */
export function stateLabel(state: JobState, trans: TranslationBundle): string {
  switch (state) {
    case 'running':
      return trans.__('Running');
    case 'succeeded':
      return trans.__('Succeeded');
    case 'failed':
      return trans.__('Failed');
    case 'cancelled':
      return trans.__('Cancelled');
  }
}

function JobLogView(props: {
  job: JobModel;
  trans: TranslationBundle;
  onCancel: () => void;
}): JSX.Element {
  const { job, trans } = props;
  const logRef = React.useRef<HTMLPreElement>(null);
  const following = React.useRef(true);
  const lines = job.log.length;

  // Stay at the bottom while the user has not scrolled up to read.
  React.useLayoutEffect(() => {
    const node = logRef.current;
    if (node && following.current) {
      node.scrollTop = node.scrollHeight;
    }
  }, [lines]);

  const title =
    job.kind === 'create' || job.kind === 'clone'
      ? trans.__('Creating environment “%1”', job.environment)
      : trans.__('Adding packages to “%1”', job.environment);
  return (
    <div className="jp-KernelManager-jobLogBody">
      <div className="jp-KernelManager-jobLogHeader">
        <h2>{title}</h2>
        <span
          className={`jp-KernelManager-jobState jp-mod-${job.state}`}
          role="status"
        >
          {stateLabel(job.state, trans)}
        </span>
        {job.state === 'running' && (
          <button
            className="jp-Button jp-mod-styled jp-mod-warn"
            onClick={props.onCancel}
          >
            {trans.__('Cancel')}
          </button>
        )}
      </div>
      {job.error && (
        <p className="jp-KernelManager-formError" role="alert">
          {job.error}
        </p>
      )}
      {job.connectionError && (
        <p className="jp-KernelManager-formError" role="alert">
          {trans.__(
            'Lost contact with the server, retrying: %1',
            job.connectionError
          )}
        </p>
      )}
      <pre
        ref={logRef}
        className="jp-KernelManager-jobLogText"
        role="log"
        aria-label={trans.__('Log')}
        tabIndex={0}
        onScroll={event => {
          const node = event.currentTarget;
          following.current =
            node.scrollHeight - node.scrollTop - node.clientHeight < 24;
        }}
      >
        {job.droppedLines > 0 &&
          trans.__('… %1 earlier lines not shown …', job.droppedLines) + '\n'}
        {job.log.join('\n')}
      </pre>
    </div>
  );
}
