import { TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { IProcessesSource } from '../common/tokens';
import { filterKernelSpecs, IKernelSpecItem, KernelSpecsModel } from './model';
import { KernelSpecRow, rowId } from './KernelSpecRow';
import { useRerenderOn } from '../common/useSignal';

/**
 * Props of the kernelspec list.
 */
export interface IKernelSpecListProps {
  model: KernelSpecsModel;
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** A DOM id unique to this list, prefix of the rows' ids. */
  listId: string;
  /** The selected spec's name, kept by the owning widget for commands. */
  selected: string | null;
  onSelect: (name: string | null) => void;
  /** Lets the owner focus the filter box from a command. */
  filterRef?: React.RefObject<HTMLInputElement>;
  /** Memory of running kernels, shown in the details. */
  processes?: IProcessesSource;
}

const PAGE_STEP = 10;

/**
 * A filter box above a keyboard-navigable tree grid of kernelspecs: one row
 * each, with its details in a second cell when expanded.
 *
 * Focus stays on the grid and `aria-activedescendant` names the active
 * row, so screen readers announce rows while the arrow keys move.
 */
export function KernelSpecList(props: IKernelSpecListProps): JSX.Element {
  const { model, commands, trans, listId, selected, onSelect } = props;
  const [query, setQuery] = React.useState('');
  const [expanded, setExpanded] = React.useState<ReadonlySet<string>>(
    new Set()
  );
  const listRef = React.useRef<HTMLUListElement>(null);

  useRerenderOn(model.changed);

  const items = filterKernelSpecs(model.items, query);
  const activeIndex = items.findIndex(item => item.name === selected);

  React.useEffect(() => {
    if (activeIndex < 0 || !listRef.current) {
      return;
    }
    const row = listRef.current.children[activeIndex] as
      HTMLElement | undefined;
    row?.scrollIntoView?.({ block: 'nearest' });
  }, [activeIndex]);

  const select = React.useCallback(
    (name: string) => onSelect(name),
    [onSelect]
  );
  const toggle = React.useCallback((name: string) => {
    setExpanded(previous => {
      const next = new Set(previous);
      if (!next.delete(name)) {
        next.add(name);
      }
      return next;
    });
  }, []);
  const setOpen = (name: string, open: boolean) => {
    if (expanded.has(name) !== open) {
      toggle(name);
    }
  };

  const moveTo = (index: number) => {
    if (items.length > 0) {
      const clamped = Math.max(0, Math.min(items.length - 1, index));
      onSelect(items[clamped].name);
    }
  };

  const onListKeyDown = (event: React.KeyboardEvent) => {
    const active: IKernelSpecItem | undefined = items[activeIndex];
    const execute = (id: string) => {
      if (active) {
        void commands.execute(id, { name: active.name });
      }
    };
    switch (event.key) {
      case 'ArrowDown':
        moveTo(activeIndex + 1);
        break;
      case 'ArrowUp':
        moveTo(activeIndex < 0 ? 0 : activeIndex - 1);
        break;
      case 'PageDown':
        moveTo(activeIndex + PAGE_STEP);
        break;
      case 'PageUp':
        moveTo(activeIndex - PAGE_STEP);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(items.length - 1);
        break;
      case 'ArrowRight':
        if (active) {
          setOpen(active.name, true);
        }
        break;
      case 'ArrowLeft':
        if (active) {
          setOpen(active.name, false);
        }
        break;
      case ' ':
        if (active) {
          toggle(active.name);
        }
        break;
      case 'Enter':
        execute(
          event.shiftKey ? CommandIDs.newConsole : CommandIDs.newNotebook
        );
        break;
      case 'F2':
        execute(CommandIDs.renameKernelSpec);
        break;
      case 'Delete':
        execute(CommandIDs.removeKernelSpec);
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  const onFilterKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'ArrowDown' && items.length > 0) {
      event.preventDefault();
      if (activeIndex < 0) {
        onSelect(items[0].name);
      }
      listRef.current?.focus();
    } else if (event.key === 'Escape' && query) {
      event.preventDefault();
      event.stopPropagation();
      setQuery('');
    }
  };

  const hiddenBroken = model.showBroken ? 0 : model.brokenCount;
  return (
    <div className="jp-KernelManager-kernels">
      <div className="jp-KernelManager-filter">
        <input
          ref={props.filterRef}
          type="search"
          className="jp-KernelManager-filterInput jp-mod-styled"
          placeholder={trans.__('Filter kernels')}
          aria-label={trans.__('Filter kernels')}
          aria-controls={listId}
          value={query}
          onChange={event => setQuery(event.target.value)}
          onKeyDown={onFilterKeyDown}
        />
      </div>
      {model.status === 'error' && (
        <div className="jp-KernelManager-error" role="alert">
          <span>
            {trans.__('Could not load kernel details: %1', model.error ?? '')}
          </span>
          <button
            className="jp-Button jp-mod-minimal"
            onClick={() => void commands.execute(CommandIDs.refreshKernelSpecs)}
          >
            <refreshIcon.react tag="span" />
            {trans.__('Retry')}
          </button>
        </div>
      )}
      {model.status === 'off' && (
        <p className="jp-KernelManager-empty" role="status">
          {trans.__(
            'Kernel changes are switched off on this server by its administrator: kernels are listed, not renamed or removed.'
          )}
        </p>
      )}
      <ul
        ref={listRef}
        id={listId}
        className="jp-KernelManager-list"
        role="treegrid"
        tabIndex={0}
        aria-label={trans.__('Kernels')}
        aria-describedby={`${listId}-keys`}
        aria-activedescendant={
          activeIndex >= 0 ? rowId(listId, items[activeIndex].name) : undefined
        }
        onKeyDown={onListKeyDown}
        onFocus={() => {
          if (activeIndex < 0 && items.length > 0) {
            onSelect(items[0].name);
          }
        }}
      >
        {items.map((item, index) => (
          <KernelSpecRow
            key={item.name}
            item={item}
            listId={listId}
            active={index === activeIndex}
            expanded={expanded.has(item.name)}
            commands={commands}
            trans={trans}
            onSelect={select}
            onToggle={toggle}
            processes={props.processes}
          />
        ))}
      </ul>
      <p className="jp-KernelManager-status" aria-live="polite">
        {emptyMessage(model, items.length, query, trans) ??
          trans._n('%1 kernel', '%1 kernels', items.length)}
        {hiddenBroken > 0 &&
          ' ' +
            trans._n(
              '(%1 broken kernel hidden)',
              '(%1 broken kernels hidden)',
              hiddenBroken
            )}
      </p>
      <p id={`${listId}-keys`} className="jp-KernelManager-keys">
        {trans.__(
          'Arrow keys move, Enter opens a notebook, Shift+Enter a console, Right and Left show and hide details, F2 renames, Delete removes.'
        )}
      </p>
    </div>
  );
}

/**
 * What to say when the list is empty, or null when it is not.
 */
function emptyMessage(
  model: KernelSpecsModel,
  count: number,
  query: string,
  trans: TranslationBundle
): string | null {
  if (count > 0) {
    return null;
  }
  if (model.status === 'loading' && model.items.length === 0) {
    return trans.__('Loading kernels…');
  }
  if (query) {
    return trans.__('No kernel matches “%1”.', query);
  }
  return trans.__('No kernels found.');
}
