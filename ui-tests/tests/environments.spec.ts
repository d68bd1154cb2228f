import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The Environments section against a real `jupyter lab`: a real uv
 * environment is built (ipykernel from PyPI, or uv's cache), used from the
 * launcher, and deleted.
 */

const dataDir = process.env.KM_TEST_DATA_DIR;
if (!dataDir) {
  throw new Error(
    'KM_TEST_DATA_DIR is not set: run through playwright.config.js'
  );
}

// Building an environment downloads packages the first time.
test.setTimeout(240 * 1000);

async function openPanel(page: IJupyterLabPageFixture) {
  await page.keyboard.press('Alt+Shift+K');
  await expect(page.getByRole('treegrid', { name: 'Kernels' })).toBeVisible();
  return page.locator('#jp-kernel-manager');
}

test('create an environment through the form, use its kernel from the launcher, delete it', async ({
  page
}) => {
  const panel = await openPanel(page);
  const name = 'galata-env';
  const displayName = 'Galata Environment';

  await panel.getByRole('button', { name: 'New Environment…' }).first().click();
  const form = page.getByRole('dialog');
  await expect(form).toBeVisible();
  // A bad name is refused while typing, before anything is sent.
  await form
    .getByRole('textbox', { name: 'Name', exact: true })
    .fill('bad name');
  await expect(form).toContainText('Use only letters, digits');
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  await form.getByRole('textbox', { name: 'Display name' }).fill(displayName);
  await expect(form.getByRole('combobox', { name: 'Backend' })).toHaveValue(
    'uv'
  );
  await form.getByRole('button', { name: 'Create' }).click();

  // The notification follows the job; its log streams in the main area.
  await page.getByRole('button', { name: 'Show log' }).first().click();
  const log = page.getByRole('log', { name: 'Log' });
  await expect(log).toContainText('$ ', { timeout: 30000 });
  await expect(
    page.getByRole('status').filter({ hasText: 'Succeeded' })
  ).toBeVisible({
    timeout: 180000
  });
  await expect(log).toContainText('ipykernel');

  // Listed in the section with its backend and health.
  const row = panel.locator(`[data-environment-name="${name}"]`);
  await expect(row).toContainText(displayName);
  await expect(row).toContainText('uv');
  await expect(row).not.toContainText('Not working');
  const envPath = (await row
    .locator('.jp-KernelManager-envFacts')
    .getAttribute('title'))!;
  expect(fs.existsSync(path.join(envPath, 'bin', 'python'))).toBe(true);

  // The launcher shows its kernel without a reload.
  // Returns nothing: the launcher widget cannot be serialised back.
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('launcher:create');
  });
  const card = page
    .locator('.jp-Launcher:visible .jp-LauncherCard[data-category="Notebook"]')
    .filter({
      has: page.locator('.jp-LauncherCard-label', { hasText: displayName })
    });
  await expect(card).toHaveCount(1);
  await card.click();
  await expect(
    page.locator('.jp-NotebookPanel .jp-KernelName').first()
  ).toHaveText(displayName);
  await page.notebook.setCell(0, 'code', 'import sys; print(sys.prefix)');
  await page.notebook.runCell(0);
  const output = await page.notebook.getCellTextOutput(0);
  expect(output?.join('').trim()).toBe(envPath);
  await page.notebook.close(true);
  await page.evaluate(() =>
    (window as any).jupyterapp.serviceManager.sessions.shutdownAll()
  );

  // Delete: the dialog names what goes; both the folder and the kernel go.
  await row.getByRole('button', { name: `Delete ${name}` }).click();
  const confirm = page.getByRole('dialog');
  await expect(confirm).toContainText(envPath);
  await expect(confirm).toContainText(displayName);
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(row).toHaveCount(0);
  await expect(card).toHaveCount(0);
  expect(fs.existsSync(envPath)).toBe(false);
  await expect(
    page
      .getByRole('treegrid', { name: 'Kernels' })
      .getByRole('row', { name: displayName })
  ).toHaveCount(0);
});
