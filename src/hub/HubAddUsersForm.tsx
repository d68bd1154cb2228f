import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { HubModel, IAddUsersResult } from './model';

/**
 * Admins: a text box of names, one per line, an "admin" checkbox, and the
 * result line by line.
 */
export function HubAddUsersForm(props: {
  model: HubModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { model, trans } = props;
  const [text, setText] = React.useState('');
  const [admin, setAdmin] = React.useState(false);
  const [busy, setBusy] = React.useState(false);
  const [result, setResult] = React.useState<IAddUsersResult | null>(null);
  if (!model.may('add-users')) {
    return null;
  }
  const submit = async () => {
    setBusy(true);
    try {
      const outcome = await model.addUsers(text, admin);
      setResult(outcome);
      if (outcome.invalid.length === 0 && !outcome.error) {
        setText('');
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="jp-KernelManager-hubAdd">
      <label htmlFor="jp-KernelManager-hubAddNames">
        {trans.__('Add users, one per line')}
      </label>
      <textarea
        id="jp-KernelManager-hubAddNames"
        className="jp-mod-styled"
        rows={3}
        value={text}
        spellCheck={false}
        onChange={event => setText(event.target.value)}
      />
      <label className="jp-KernelManager-checkbox">
        <input
          type="checkbox"
          checked={admin}
          onChange={event => setAdmin(event.target.checked)}
        />
        <span>{trans.__('Make them admins')}</span>
      </label>
      <button
        className="jp-Button jp-mod-styled jp-mod-accept"
        disabled={busy || !text.trim()}
        onClick={() => void submit()}
      >
        {trans.__('Add Users')}
      </button>
      {result && <AddUsersResult result={result} trans={trans} />}
    </div>
  );
}

function AddUsersResult(props: {
  result: IAddUsersResult;
  trans: TranslationBundle;
}): JSX.Element {
  const { result, trans } = props;
  return (
    <ul
      className="jp-KernelManager-hubResult"
      aria-label={trans.__('Result of adding users')}
      aria-live="polite"
    >
      {result.created.map(name => (
        <li key={`c-${name}`}>{trans.__('%1: created', name)}</li>
      ))}
      {result.existing.map(name => (
        <li key={`e-${name}`}>
          {trans.__('%1: already exists, skipped', name)}
        </li>
      ))}
      {result.duplicates.map(name => (
        <li key={`d-${name}`}>
          {trans.__('%1: given more than once, added once', name)}
        </li>
      ))}
      {result.invalid.map(item => (
        <li key={`i-${item.line}`} className="jp-KernelManager-problem">
          {trans.__(
            'Line %1, “%2”: not a valid name (%3); nothing was added',
            item.line,
            item.text,
            item.reason === 'too-long'
              ? trans.__('too long')
              : trans.__('spaces, slashes or quotes')
          )}
        </li>
      ))}
      {result.error && (
        <li className="jp-KernelManager-problem">{result.error}</li>
      )}
    </ul>
  );
}
