import { Dialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { IInstalledPackage } from '../common/types';
import { JobModel } from './jobs';
import { PackagesForm, PackageTable } from './PackagesForm';

/**
 * Ask for packages to add to an environment until the server takes them or
 * the user gives up; the form opens again with the server's refusal.
 *
 * @returns the id of the job installing them, or undefined when cancelled.
 */
export async function askAndAddPackages(
  name: string,
  install: (packages: string[]) => Promise<JobModel>,
  trans: TranslationBundle
): Promise<string | undefined> {
  let text = '';
  let error: string | undefined;
  for (;;) {
    const form = new PackagesForm({ trans, initial: text, error });
    const result = await showDialog({
      title: trans.__('Add Packages to “%1”', name),
      body: form,
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Install') })
      ],
      focusNodeSelector: 'textarea'
    });
    if (!result.button.accept) {
      return undefined;
    }
    text = form.text;
    const packages = form.getValue();
    if (packages.length === 0) {
      error = trans.__('Name at least one package.');
      continue;
    }
    try {
      const job = await install(packages);
      return job.id;
    } catch (reason) {
      error = (reason as Error).message;
    }
  }
}

/**
 * Show what is installed in an environment, or why it cannot be listed.
 */
export async function showPackages(
  name: string,
  load: () => Promise<IInstalledPackage[]>,
  trans: TranslationBundle
): Promise<void> {
  try {
    const packages = await load();
    await showDialog({
      title: trans.__('Packages in “%1”', name),
      body: <PackageTable packages={packages} trans={trans} />,
      buttons: [Dialog.okButton({ label: trans.__('Close') })]
    });
  } catch (error) {
    await showErrorMessage(trans.__('Packages'), error as Error);
  }
}
