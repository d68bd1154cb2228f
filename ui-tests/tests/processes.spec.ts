import { expect, test } from '@jupyterlab/galata';

/**
 * The Processes section against a real `jupyter lab`: a notebook's kernel
 * shows under the server, named by its notebook, and is shut down from there.
 */
test('a notebook’s kernel is listed with its memory and shut down from the Processes section', async ({
  page,
  tmpPath
}) => {
  const notebook = 'processes-test.ipynb';
  await page.notebook.createNew(notebook, { kernel: 'python3' });
  await page.notebook.setCell(0, 'code', 'x = 40 + 2\nprint(x)');
  await page.notebook.runCell(0);
  expect((await page.notebook.getCellTextOutput(0))?.join('').trim()).toBe('42');

  await page.keyboard.press('Alt+Shift+K');
  const panel = page.locator('#jp-kernel-manager');
  const table = panel.getByRole('treegrid', { name: 'Processes' });
  await expect(table).toBeVisible();

  // The server comes first; the kernel is under it, named by its notebook.
  await expect(table.locator('tbody tr').first()).toContainText('Jupyter server');
  const kernelRow = table.locator('tr[data-kind="kernel"]').filter({
    hasText: `${tmpPath}/${notebook}`
  });
  await expect(kernelRow).toHaveCount(1, { timeout: 20000 });
  await expect(kernelRow).toContainText('python3 kernel');
  await expect(kernelRow).toHaveAttribute('aria-level', '2');
  await expect(table.locator('tbody tr').first()).toHaveAttribute('aria-level', '1');
  await expect(kernelRow.locator('td').nth(2)).toContainText(/\d+(\.\d)? MB/);
  await expect(panel.getByRole('meter', { name: 'Memory' })).toBeVisible();

  await kernelRow.hover();
  await kernelRow.getByRole('button', { name: `Shut down ${tmpPath}/${notebook}` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(notebook);
  await dialog.getByRole('button', { name: 'Shut Down' }).click();

  await expect(kernelRow).toHaveCount(0, { timeout: 20000 });
  // The application's own kernel manager knows it is gone.
  const running = await page.evaluate(async () => {
    const manager = (window as any).jupyterapp.serviceManager.kernels;
    await manager.refreshRunning();
    return [...manager.running()].length;
  });
  expect(running).toBe(0);
});
