import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

/**
 * The New Environment form's "Share with every user" choice, offered only to
 * a hub admin whose server may run the shared environments' helper.
 */
export function ShareField(props: {
  id: string;
  checked: boolean;
  environmentsDir: string;
  onChange: (shared: boolean) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { id, checked, environmentsDir, onChange, trans } = props;
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
