import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import { DIALOG, lookInBothThemes, PANEL } from '../helpers/a11y';

/**
 * History, names and idle kernels in the Processes section, in the default
 * 250 px sidebar, against a real server: a notebook with a long name is
 * readable in its row, its memory sparkline shows once the server has
 * history, its details chart opens from the row, and "Shut down idle
 * kernels…" lists it (only when connected kernels are included) and shuts
 * it down.
 */

/** The details of a process: its charts, in the main area. */
const DETAILS = '.jp-KernelManager-historyPanel';
const NOTEBOOK = 'quarterly-analysis-of-everything-with-a-long-name.ipynb';

async function openProcesses(page: IJupyterLabPageFixture) {
  await page.keyboard.press('Alt+Shift+K');
  const panel = page.locator('#jp-kernel-manager');
  const table = panel.getByRole('treegrid', { name: 'Processes' });
  await expect(table).toBeVisible();
  for (const name of ['Kernels', 'Environments']) {
    const title = panel.locator('.jp-AccordionPanel-title', { hasText: name });
    if ((await title.getAttribute('aria-expanded')) === 'true') {
      await title.click();
    }
    await expect(title).toHaveAttribute('aria-expanded', 'false');
  }
  return { panel, table };
}

async function widthOf(locator: Locator): Promise<number> {
  return locator.evaluate(element => element.getBoundingClientRect().width);
}

test.describe('process history', () => {
  test.use({ kernels: null, sessions: null });

  test('a long notebook name is readable at 250 px, with its sparkline, details and idle shut-down; light and dark', async ({
    page
  }) => {
    await page.notebook.createNew(NOTEBOOK, { kernel: 'python3' });
    await page.notebook.setCell(
      0,
      'code',
      'ballast = bytearray(150 * 2**20)\nprint(len(ballast))'
    );
    await page.notebook.runCell(0);

    const { panel, table } = await openProcesses(page);
    const row = table.locator('[role="row"][data-kind="kernel"]', {
      hasText: 'quarterly-analysis'
    });
    await expect(row).toHaveCount(1, { timeout: 20000 });

    // The name has the row's width to itself, not a fifth of it.
    const title = row.locator('.jp-KernelManager-itemTitle');
    const panelWidth = await widthOf(panel);
    expect(panelWidth).toBeLessThan(300);
    expect(await widthOf(title)).toBeGreaterThan(panelWidth * 0.6);
    await expect(title).toContainText('quarterly-analysis-of');

    // Idle, with its open connection, after its cell ran.
    const meta = row.locator('.jp-KernelManager-processMeta');
    await expect(meta).toContainText('idle for', { timeout: 20000 });
    await expect(meta).toContainText('1 connection');

    // The sparkline, once the server has scanned twice.
    const sparkline = row.getByRole('button', { name: /Memory/ });
    await expect(sparkline).toBeVisible({ timeout: 30000 });
    await expect(
      panel.locator('.jp-KernelManager-usage').getByRole('button', {
        name: /Memory/
      })
    ).toBeVisible();

    await page.mouse.move(900, 600);
    await lookInBothThemes(page, 'sparklines', PANEL, 'history');

    // The details: CPU and memory charts over time, in the main area.
    await sparkline.click();
    const details = page.locator(DETAILS);
    await expect(details).toBeVisible();
    await expect(details.locator('figure')).toHaveCount(2);
    await expect(details).toContainText('quarterly-analysis');
    // A kernel less than a minute old: five minutes, not a dot in thirty.
    await expect(details.locator('svg').first()).toContainText('5 min ago');
    await lookInBothThemes(page, 'details', DETAILS, 'history-details');

    // Shut down idle kernels: not ours while its notebook is open, unless asked.
    await page.evaluate(() => {
      // Not awaited: it resolves when the dialog closes.
      void (window as any).jupyterapp.commands.execute(
        'kernel-manager:shutdown-idle-kernels'
      );
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('Idle for at least (minutes)').fill('0');
    await expect(dialog.getByRole('status')).toContainText(
      'No kernel has been idle that long'
    );
    await dialog
      .getByLabel('Also kernels with an open notebook or console')
      .check();
    await expect(dialog.locator('li', { hasText: 'quarterly' })).toBeVisible();
    await lookInBothThemes(page, 'idle dialog', DIALOG, 'idle-dialog');
    await dialog.getByRole('button', { name: 'Shut Down' }).click();
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Shut down 1 idle kernel' })
    ).toBeVisible();
    await expect(row).toHaveCount(0, { timeout: 20000 });
  });
});
