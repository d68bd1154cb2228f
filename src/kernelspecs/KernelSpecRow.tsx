import { TranslationBundle } from '@jupyterlab/translation';
import {
  consoleIcon,
  deleteIcon,
  editIcon,
  errorIcon,
  LabIcon,
  notebookIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { IKernelSpecItem } from './model';
import { IProcessesSource } from '../common/tokens';
import { healthProblem, KernelSpecDetails } from './KernelSpecDetails';
import { offersUserPackages } from './userPackagesModel';

export const ITEM_CLASS = 'jp-KernelManager-item';

/**
 * The DOM id of a row, for `aria-activedescendant`.
 */
export function rowId(listId: string, name: string): string {
  return `${listId}-${name}`;
}

/**
 * One kernelspec in the list: a row of the tree grid whose header cell is
 * always shown and whose details cell shows when expanded. A row (not a
 * listbox option) may hold buttons and say whether it is expanded; its name
 * is what it shows.
 */
export const KernelSpecRow = React.memo(
  (props: {
    item: IKernelSpecItem;
    listId: string;
    active: boolean;
    expanded: boolean;
    commands: CommandRegistry;
    trans: TranslationBundle;
    onSelect: (name: string) => void;
    onToggle: (name: string) => void;
    processes?: IProcessesSource;
  }): JSX.Element => {
    const { item, trans, commands, active, expanded } = props;
    // Action buttons exist only on the row in use: a thousand rows of icons
    // cost more to build than everything else in the list.
    const [hovered, setHovered] = React.useState(false);
    const problem = healthProblem(item, trans);
    const classes = [ITEM_CLASS];
    if (active) {
      classes.push('jp-mod-active');
    }
    if (item.broken) {
      classes.push('jp-mod-broken');
    }
    if (item.running > 0) {
      classes.push('jp-mod-running');
    }
    const tooltip = [
      item.displayName,
      item.details?.interpreter ?? '',
      item.details?.resource_dir ?? '',
      problem ?? ''
    ]
      .filter(Boolean)
      .join('\n');
    const run = (id: string) => (event: React.MouseEvent) => {
      // The row would otherwise take the click as a selection as well.
      event.stopPropagation();
      props.onSelect(item.name);
      void commands.execute(id, { name: item.name });
    };
    return (
      <li
        id={rowId(props.listId, item.name)}
        role="row"
        aria-level={1}
        aria-selected={active}
        aria-expanded={expanded}
        className={classes.join(' ')}
        data-kernelspec-name={item.name}
        title={tooltip}
        onClick={() => props.onSelect(item.name)}
        onMouseEnter={() => setHovered(true)}
        onMouseLeave={() => setHovered(false)}
        onDoubleClick={() =>
          void commands.execute(CommandIDs.newNotebook, { name: item.name })
        }
      >
        <div className="jp-KernelManager-itemHeader" role="gridcell">
          <button
            className="jp-KernelManager-expander"
            tabIndex={-1}
            // The row says whether it is expanded; the arrow keys toggle it.
            aria-hidden="true"
            aria-label={
              expanded ? trans.__('Hide details') : trans.__('Show details')
            }
            onClick={event => {
              event.stopPropagation();
              props.onSelect(item.name);
              props.onToggle(item.name);
            }}
          >
            <span className="jp-KernelManager-caret" />
          </button>
          <KernelLogo url={item.logoUrl} name={item.displayName} />
          <div className="jp-KernelManager-itemText">
            <span className="jp-KernelManager-itemTitle">
              {item.displayName}
            </span>
            <span className="jp-KernelManager-itemMeta">
              <span className="jp-KernelManager-itemMetaText">
                {item.language
                  ? trans.__('%1 · %2', item.name, item.language)
                  : item.name}
              </span>
              {problem && (
                <span
                  className="jp-KernelManager-badge jp-mod-warn"
                  title={problem}
                >
                  <errorIcon.react tag="span" />
                  {trans.__('Broken')}
                </span>
              )}
              {item.running > 0 && (
                <span
                  className="jp-KernelManager-badge jp-mod-running"
                  title={trans._n(
                    '%1 kernel of it is running',
                    '%1 kernels of it are running',
                    item.running
                  )}
                >
                  {trans.__('%1 running', item.running)}
                </span>
              )}
            </span>
          </div>
          {(hovered || active) && (
            <span className="jp-KernelManager-itemActions">
              <RowButton
                icon={notebookIcon}
                label={trans.__('New notebook with %1', item.displayName)}
                onClick={run(CommandIDs.newNotebook)}
              />
              <RowButton
                icon={consoleIcon}
                label={trans.__('New console with %1', item.displayName)}
                onClick={run(CommandIDs.newConsole)}
              />
              {item.writable && (
                <RowButton
                  icon={editIcon}
                  label={trans.__('Rename %1', item.displayName)}
                  onClick={run(CommandIDs.renameKernelSpec)}
                />
              )}
              {item.writable && (
                <RowButton
                  icon={deleteIcon}
                  label={trans.__('Remove %1', item.displayName)}
                  onClick={run(CommandIDs.removeKernelSpec)}
                />
              )}
            </span>
          )}
        </div>
        {expanded && (
          <div className="jp-KernelManager-expanded" role="gridcell">
            <KernelSpecDetails
              item={item}
              trans={trans}
              processes={props.processes}
            />
            <div className="jp-KernelManager-detailActions">
              <TextButton
                label={trans.__('New Notebook')}
                onClick={run(CommandIDs.newNotebook)}
              />
              <TextButton
                label={trans.__('New Console')}
                onClick={run(CommandIDs.newConsole)}
              />
              {offersUserPackages(item.details) && (
                <TextButton
                  label={trans.__('User Packages…')}
                  onClick={run(CommandIDs.listUserPackages)}
                />
              )}
              {item.writable && (
                <TextButton
                  label={trans.__('Rename…')}
                  onClick={run(CommandIDs.renameKernelSpec)}
                />
              )}
              {item.writable && (
                <TextButton
                  label={trans.__('Edit…')}
                  onClick={run(CommandIDs.editKernelSpec)}
                />
              )}
              {item.writable && (
                <TextButton
                  label={trans.__('Remove…')}
                  warn
                  onClick={run(CommandIDs.removeKernelSpec)}
                />
              )}
            </div>
          </div>
        )}
      </li>
    );
  }
);

/**
 * A small icon button inside a row; reachable by mouse, while the keyboard
 * uses the list's shortcuts (focus stays on the grid).
 */
function RowButton(props: {
  icon: LabIcon;
  label: string;
  onClick: (event: React.MouseEvent) => void;
}): JSX.Element {
  return (
    <button
      className="jp-KernelManager-action jp-Button jp-mod-minimal"
      tabIndex={-1}
      title={props.label}
      aria-label={props.label}
      onClick={props.onClick}
    >
      <props.icon.react tag="span" />
    </button>
  );
}

/**
 * A labelled button in the expanded part of a row.
 */
function TextButton(props: {
  label: string;
  warn?: boolean;
  onClick: (event: React.MouseEvent) => void;
}): JSX.Element {
  return (
    <button
      className={
        'jp-KernelManager-textButton' + (props.warn ? ' jp-mod-warn' : '')
      }
      tabIndex={-1}
      onClick={props.onClick}
    >
      {props.label}
    </button>
  );
}

/**
 * The spec's own logo, or its first letter as the launcher shows it when it
 * has none or the logo fails to load. Lazy, so a thousand specs do not mean
 * a thousand requests.
 */
function KernelLogo(props: { url: string | null; name: string }): JSX.Element {
  const [failed, setFailed] = React.useState(false);
  if (!props.url || failed) {
    return (
      <span
        className="jp-KernelManager-logo jp-KernelManager-logoText"
        aria-hidden="true"
      >
        {props.name.charAt(0).toUpperCase()}
      </span>
    );
  }
  return (
    <img
      className="jp-KernelManager-logo"
      src={props.url}
      alt=""
      loading="lazy"
      onError={() => setFailed(true)}
    />
  );
}
