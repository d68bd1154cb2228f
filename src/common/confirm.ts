import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

/**
 * Ask before something that cannot be undone: Cancel, or a warning button
 * labelled with the action. Resolves to whether the user went ahead.
 */
export async function confirmWarning(
  options: { title: string; body: string; accept: string },
  trans: TranslationBundle
): Promise<boolean> {
  const result = await showDialog({
    title: options.title,
    body: options.body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: options.accept })
    ]
  });
  return result.button.accept;
}
