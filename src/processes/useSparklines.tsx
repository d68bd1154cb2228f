import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';
import { CommandIDs } from '../common/commandIds';
import { IProcessInfo } from '../common/types';
import { historySummary } from './historyLabels';
import { ProcessHistory } from './historyModel';
import { Sparkline } from './Sparkline';

/**
 * Re-render the caller when the history's series change; its version.
 */
function useHistoryVersion(history: ProcessHistory | null): number {
  const [version, setVersion] = React.useState(history?.version ?? 0);
  React.useEffect(() => {
    if (!history) {
      return;
    }
    const onChange = () => setVersion(history.version);
    history.changed.connect(onChange);
    onChange();
    return () => {
      history.changed.disconnect(onChange);
    };
  }, [history]);
  return version;
}

/**
 * The memory sparkline of each kernel row, for ProcessTable's `sparklineFor`:
 * one element per kernel, the same until the history changes, so that rows
 * are rendered again only then. Undefined without a history.
 */
export function useKernelSparklines(options: {
  history: ProcessHistory | null;
  commands: Pick<CommandRegistry, 'execute'>;
  trans: TranslationBundle;
  /** The top of every line; 0 (the default) scales each to its own peak. */
  max?: number;
  /**
   * Whether a sparkline is a button opening the kernel's details (default
   * true). Out of the tab order: rows keep one tab stop each.
   */
  clickable?: boolean;
  /** In px (default SPARKLINE_WIDTH), for narrow columns. */
  width?: number;
}): ((process: IProcessInfo) => React.ReactNode) | undefined {
  const { history, commands, trans, width } = options;
  const max = options.max ?? 0;
  const clickable = options.clickable ?? true;
  const version = useHistoryVersion(history);
  // One click handler per kernel for as long as the table lives.
  const clicks = React.useRef(new Map<string, () => void>());
  return React.useMemo(() => {
    if (!history) {
      return undefined;
    }
    const made = new Map<string, React.ReactNode>();
    const click = (id: string) => {
      let handler = clicks.current.get(id);
      if (!handler) {
        handler = () =>
          void commands.execute(CommandIDs.showProcessHistory, { kernel: id });
        clicks.current.set(id, handler);
      }
      return handler;
    };
    return (process: IProcessInfo) => {
      const id = process.kind === 'kernel' ? process.kernel?.id : undefined;
      if (!id) {
        return null;
      }
      let node = made.get(id);
      if (node === undefined) {
        const series = history.series('kernel', id);
        node = series ? (
          <Sparkline
            values={series.memory}
            max={max}
            label={historySummary(
              'memory',
              series.memory,
              history.seconds,
              trans
            )}
            onClick={clickable ? click(id) : undefined}
            tabIndex={-1}
            width={width}
            step={history.step}
          />
        ) : null;
        made.set(id, node);
      }
      return node;
    };
  }, [history, version, max, clickable, width, commands, trans]);
}

/**
 * The user's total memory over the history's window, scaled to `max` (their
 * limit); a button opening the total's details. Nothing without history.
 */
export function TotalSparkline(props: {
  history: ProcessHistory;
  max: number;
  commands: Pick<CommandRegistry, 'execute'>;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { history, commands, trans } = props;
  useHistoryVersion(history);
  const onClick = React.useCallback(
    () => void commands.execute(CommandIDs.showProcessHistory, { total: true }),
    [commands]
  );
  const series = history.series('total');
  if (!series) {
    return null;
  }
  return (
    <Sparkline
      values={series.memory}
      max={props.max}
      label={historySummary('memory', series.memory, history.seconds, trans)}
      onClick={onClick}
      step={history.step}
    />
  );
}
