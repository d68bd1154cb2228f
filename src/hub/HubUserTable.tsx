import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { Hub } from './api';
import { CommandIDs } from '../common/commandIds';
import { HubModel } from './model';
import { HubUserRow } from './HubUserRow';

/**
 * Admins: the hub's users a page at a time, filtered and sorted by the hub,
 * with "start all" / "stop all", each user's servers and what they run.
 */
export function HubUserTable(props: {
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, commands, trans } = props;
  const page = model.usersPage;
  return (
    <>
      <UsersQuery model={model} trans={trans} />
      <BulkToolbar model={model} commands={commands} trans={trans} />
      {model.usersError && (
        <div className="jp-KernelManager-error" role="alert">
          {trans.__('Could not list users: %1', model.usersError)}
        </div>
      )}
      {model.usageSource.sharedAccount && (
        <p className="jp-KernelManager-hubNote">
          {trans.__(
            'Every server here runs as the same Unix account, so each figure is that account’s total.'
          )}
        </p>
      )}
      {page && (
        <>
          <table
            className="jp-KernelManager-hubUsers"
            aria-label={trans.__('Hub users')}
          >
            <thead>
              <tr>
                <th scope="col">{trans.__('User')}</th>
                <th scope="col">{trans.__('Using')}</th>
                <th scope="col">
                  <span className="jp-KernelManager-visuallyHidden">
                    {trans.__('Actions')}
                  </span>
                </th>
              </tr>
            </thead>
            {page.items.map(user => (
              <HubUserRow
                key={user.name}
                user={user}
                model={model}
                commands={commands}
                trans={trans}
              />
            ))}
          </table>
          <Pager page={page} model={model} trans={trans} />
        </>
      )}
    </>
  );
}

/**
 * Typing pause before the name filter is sent to the hub: long enough to skip
 * the keystrokes of a name typed at once, short enough to feel immediate.
 */
const FILTER_PAUSE_MS = 150;

/**
 * Name filter (asked of the hub after a pause in typing), which users, sort.
 */
function UsersQuery(props: {
  model: HubModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  const [filter, setFilter] = React.useState(model.usersQuery.nameFilter ?? '');
  React.useEffect(() => {
    const timer = setTimeout(() => {
      if ((model.usersQuery.nameFilter ?? '') !== filter) {
        void model.setUsersQuery({ nameFilter: filter });
      }
    }, FILTER_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [filter, model]);
  const query = model.usersQuery;
  return (
    <div className="jp-KernelManager-hubControls">
      <input
        type="search"
        className="jp-mod-styled"
        aria-label={trans.__('Filter users')}
        placeholder={trans.__('Filter users')}
        value={filter}
        onChange={event => setFilter(event.target.value)}
      />
      <select
        className="jp-mod-styled"
        aria-label={trans.__('Which users')}
        value={query.state ?? ''}
        onChange={event =>
          void model.setUsersQuery({
            state: event.target.value as Hub.IUsersQuery['state']
          })
        }
      >
        <option value="">{trans.__('All users')}</option>
        <option value="active">{trans.__('Active')}</option>
        <option value="ready">{trans.__('Running')}</option>
      </select>
      <label className="jp-KernelManager-hubSort">
        <span>{trans.__('Sort by')}</span>
        <select
          className="jp-mod-styled"
          value={query.sort ?? 'name'}
          onChange={event =>
            void model.setUsersQuery({
              sort: event.target.value as Hub.IUsersQuery['sort']
            })
          }
        >
          <option value="name">{trans.__('Name')}</option>
          <option value="-last_activity">{trans.__('Last active')}</option>
          <option value="-id">{trans.__('Newest')}</option>
        </select>
      </label>
    </div>
  );
}

/**
 * "Start all" and "stop all" (their commands confirm and show progress), and
 * while one runs, how far it got.
 */
function BulkToolbar(props: {
  model: HubModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, commands, trans } = props;
  if (!model.may('user-servers')) {
    return null;
  }
  const bulk = model.bulk;
  let status = '';
  if (bulk) {
    status =
      bulk.action === 'start'
        ? trans.__('Starting servers: %1 of %2 done', bulk.done, bulk.total)
        : trans.__('Stopping servers: %1 of %2 done', bulk.done, bulk.total);
    if (bulk.throttled) {
      status = trans.__('%1 (the hub asked to wait)', status);
    }
  }
  return (
    <div
      className="jp-KernelManager-hubToolbar"
      role="toolbar"
      aria-label={trans.__('All servers')}
      onKeyDown={moveAlongToolbar}
    >
      <button
        className="jp-KernelManager-textButton"
        disabled={!!bulk}
        onClick={() => void commands.execute(CommandIDs.hubStartAll)}
      >
        {trans.__('Start All…')}
      </button>
      <button
        className="jp-KernelManager-textButton jp-mod-warn"
        disabled={!!bulk}
        onClick={() => void commands.execute(CommandIDs.hubStopAll)}
      >
        {trans.__('Stop All…')}
      </button>
      <span className="jp-KernelManager-hubBulkStatus" aria-live="polite">
        {status}
      </span>
    </div>
  );
}

/**
 * Left and right arrows move between a toolbar's enabled buttons, as a
 * toolbar's keyboard users expect (Tab still leaves it).
 */
function moveAlongToolbar(event: React.KeyboardEvent<HTMLElement>): void {
  if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') {
    return;
  }
  const buttons = Array.from(
    event.currentTarget.querySelectorAll<HTMLButtonElement>(
      'button:not(:disabled)'
    )
  );
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (at < 0 || buttons.length === 0) {
    return;
  }
  const step = event.key === 'ArrowRight' ? 1 : -1;
  buttons[(at + step + buttons.length) % buttons.length].focus();
  event.preventDefault();
}

function Pager(props: {
  page: Hub.IUsersPage;
  model: HubModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { page, model, trans } = props;
  return (
    <div className="jp-KernelManager-hubPager">
      <span aria-live="polite">
        {page.total === 0
          ? trans.__('No users')
          : trans.__(
              '%1–%2 of %3',
              page.offset + 1,
              page.offset + page.items.length,
              page.total
            )}
      </span>
      <button
        className="jp-KernelManager-textButton"
        disabled={page.offset === 0}
        onClick={() =>
          void model.setUsersQuery({
            offset: Math.max(0, page.offset - page.limit)
          })
        }
      >
        {trans.__('Previous')}
      </button>
      <button
        className="jp-KernelManager-textButton"
        disabled={page.offset + page.items.length >= page.total}
        onClick={() =>
          void model.setUsersQuery({ offset: page.offset + page.limit })
        }
      >
        {trans.__('Next')}
      </button>
    </div>
  );
}
