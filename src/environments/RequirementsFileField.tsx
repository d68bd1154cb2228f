import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { IChosenFile } from './requirementsFile';

/**
 * The New Environment form's "From a file" field: a path in the user's
 * files, read through the contents API when the user asks (or given, when
 * the form opens from the file browser's context menu).
 */
export function RequirementsFileField(
  props: RequirementsFileField.IProps
): JSX.Element {
  const { id, value, onChange, readFile, trans } = props;
  const [path, setPath] = React.useState(value?.path ?? '');
  const [problem, setProblem] = React.useState<string | null>(null);
  const [reading, setReading] = React.useState(false);
  const read = async () => {
    if (!readFile || !path.trim()) {
      return;
    }
    setReading(true);
    setProblem(null);
    try {
      onChange(await readFile(path.trim()));
    } catch (error) {
      onChange(null);
      setProblem((error as Error).message);
    } finally {
      setReading(false);
    }
  };
  const lines = value ? value.content.split('\n').length : 0;
  return (
    <div className="jp-KernelManager-field">
      <label htmlFor={`${id}-path`}>{trans.__('From a file (optional)')}</label>
      <div className="jp-KernelManager-fileFieldRow">
        <input
          id={`${id}-path`}
          name="requirements-file"
          className="jp-mod-styled"
          type="text"
          value={path}
          placeholder={trans.__(
            'requirements.txt, pylock.toml, environment.yml…'
          )}
          aria-describedby={`${id}-status`}
          onChange={event => {
            setPath(event.target.value);
            if (value) {
              onChange(null);
            }
          }}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              // Read the file instead of submitting the dialog.
              event.preventDefault();
              event.stopPropagation();
              void read();
            }
          }}
        />
        {readFile && (
          <button
            type="button"
            className="jp-KernelManager-textButton"
            disabled={reading || !path.trim()}
            onClick={() => void read()}
          >
            {trans.__('Read')}
          </button>
        )}
        {value && (
          <button
            type="button"
            className="jp-KernelManager-textButton"
            onClick={() => {
              setPath('');
              onChange(null);
            }}
          >
            {trans.__('Remove')}
          </button>
        )}
      </div>
      <small
        id={`${id}-status`}
        className={problem ? 'jp-KernelManager-fieldError' : undefined}
        role={problem ? 'alert' : 'status'}
      >
        {problem ??
          (value
            ? trans._n(
                'Read %2 (%3, %1 line): its packages are checked by the server before anything runs.',
                'Read %2 (%3, %1 lines): its packages are checked by the server before anything runs.',
                lines,
                value.path,
                value.format
              )
            : trans.__(
                'A requirements*.txt, pylock*.toml, environment*.yml or pyproject.toml in your files.'
              ))}
      </small>
    </div>
  );
}

export namespace RequirementsFileField {
  export interface IProps {
    id: string;
    value: IChosenFile | null;
    onChange: (value: IChosenFile | null) => void;
    /** Reads a file of the user's; without it the path cannot be changed. */
    readFile?: (path: string) => Promise<IChosenFile>;
    trans: TranslationBundle;
  }
}
