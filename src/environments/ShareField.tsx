import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

/**
 * The New Environment form's "Share with every user" choice, offered only to
 * a hub admin whose server may run the shared environments' helper; others
 * are told why not (when the administrator enabled sharing at all).
 */
export function ShareField(props: {
  id: string;
  checked: boolean;
  /** Where shared environments go, when this user may share; else null. */
  environmentsDir: string | null;
  /** Why this user may not share, or null. */
  refusal: string | null;
  onChange: (shared: boolean) => void;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { id, checked, environmentsDir, refusal, onChange, trans } = props;
  if (!environmentsDir) {
    return refusal ? (
      <p className="jp-KernelManager-shareRefusal">
        {trans.__('Sharing with every user: %1', refusal)}
      </p>
    ) : null;
  }
  return (
    <div className="jp-KernelManager-field jp-KernelManager-shareField">
      <label className="jp-KernelManager-checkbox">
        <input
          type="checkbox"
          name="shared"
          checked={checked}
          aria-describedby={id}
          onChange={event => onChange(event.target.checked)}
        />
        <span>{trans.__('Share with every user')}</span>
      </label>
      <small id={id}>
        {trans.__(
          'Made with administrator rights in %1: every user sees its kernel in the launcher and can use it, nobody but hub admins can change it.',
          environmentsDir
        )}
      </small>
    </div>
  );
}

/**
 * Whether the form's values share the environment (only when it may).
 */
export function sharesWith(
  shared: boolean,
  sharedDir: string | null | undefined
): sharedDir is string {
  return shared && !!sharedDir;
}
