import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

/**
 * The Processes section against a real `jupyter lab`: a notebook's kernel
 * shows under the server, named by its notebook, and is shut down from there;
 * with hundreds of processes the table is windowed and still sorts, and is
 * used with the keyboard alone.
 */

async function openProcesses(page: IJupyterLabPageFixture) {
  await page.keyboard.press('Alt+Shift+K');
  const panel = page.locator('#jp-kernel-manager');
  const table = panel.getByRole('treegrid', { name: 'Processes' });
  await expect(table).toBeVisible();
  return { panel, table };
}

/** The other sections give the Processes section the panel's height. */
async function collapseOtherSections(panel: Locator) {
  for (const name of ['Kernels', 'Environments']) {
    const title = panel.locator('.jp-AccordionPanel-title', { hasText: name });
    if ((await title.getAttribute('aria-expanded')) === 'true') {
      await title.click();
    }
    await expect(title).toHaveAttribute('aria-expanded', 'false');
  }
}

function rows(table: Locator) {
  return table.locator('[role="row"][data-index]');
}

async function rowCount(table: Locator): Promise<number> {
  // The header row is row 1 of aria-rowcount.
  return Number(await table.getAttribute('aria-rowcount')) - 1;
}

/** Runs code in the current notebook's kernel without touching the focus. */
async function execute(
  page: IJupyterLabPageFixture,
  code: string
): Promise<string> {
  return page.evaluate(async source => {
    const kernel = (window as any).jupyterapp.shell.currentWidget.sessionContext
      .session.kernel;
    const reply = await kernel.requestExecute({ code: source }).done;
    return reply.content.ename ?? reply.content.status;
  }, code);
}

const UNITS: Record<string, number> = {
  B: 1,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12
};

/** "54.1 MB" → 54100000. */
/**
 * The path of the server's session under `dir` (the notebook's, as the server
 * knows it). Galata renames a new notebook just after creating it; when the
 * rename comes before JupyterLab has created the session, the session keeps
 * the first name (a JupyterLab race): the section shows what the server says.
 */
async function sessionPathUnder(
  page: IJupyterLabPageFixture,
  dir: string
): Promise<string> {
  let found = '';
  await expect
    .poll(async () => {
      const reply = await page.request.get('/api/sessions');
      const sessions: Array<{ path: string }> = await reply.json();
      found =
        sessions.find(session => session.path.startsWith(`${dir}/`))?.path ??
        '';
      return found;
    })
    .toMatch(/\.ipynb$/);
  return found;
}

function bytes(text: string): number {
  const [value, unit] = text.trim().split(/\s+/);
  expect(UNITS[unit], `a memory figure: ${text}`).toBeDefined();
  return Number(value) * UNITS[unit];
}

test('a notebook’s kernel is listed with its memory and shut down from the Processes section', async ({
  page,
  tmpPath
}) => {
  const notebook = 'processes-test.ipynb';
  await page.notebook.createNew(notebook, { kernel: 'python3' });
  await page.notebook.setCell(0, 'code', 'x = 40 + 2\nprint(x)');
  await page.notebook.runCell(0);
  expect((await page.notebook.getCellTextOutput(0))?.join('').trim()).toBe(
    '42'
  );

  const { panel, table } = await openProcesses(page);

  // The server comes first; the kernel is under it, named by its notebook.
  await expect(rows(table).first()).toContainText('Jupyter server');
  await expect(rows(table).first()).toHaveAttribute('aria-level', '1');
  const sessionPath = await sessionPathUnder(page, tmpPath);
  expect([`${tmpPath}/${notebook}`, `${tmpPath}/Untitled.ipynb`]).toContain(
    sessionPath
  );
  // Its file name first; its folder on the line beneath.
  const kernelRow = table.locator('[role="row"][data-kind="kernel"]').filter({
    hasText: sessionPath.split('/').pop()
  });
  await expect(kernelRow).toHaveCount(1, { timeout: 20000 });
  await expect(kernelRow).toContainText('python3 ·');
  await expect(kernelRow).toContainText(`in ${tmpPath}`);
  await expect(kernelRow).toHaveAttribute('aria-level', '2');
  await expect(kernelRow.getByRole('gridcell').nth(2)).toContainText(
    /\d+(\.\d)? MB/
  );
  await expect(panel.getByRole('meter', { name: 'Memory' })).toBeVisible();
  // CPU in cores against the cores allowed, never "121% of 2 cores".
  await expect(
    panel.getByText(/^\d+\.\d of \d+(\.\d+)? cores \(/)
  ).toBeVisible();

  await kernelRow.hover();
  await kernelRow
    .getByRole('button', { name: `Shut down ${sessionPath.split('/').pop()}` })
    .click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(sessionPath.split('/').pop()!);
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

test.describe('windowed table', () => {
  // Galata's tracking of the kernels API reads every POST reply as JSON (an
  // interrupt's is empty), and with it off, its tracking of sessions keeps the
  // notebook's rename from the server: both off. The test shuts its kernel
  // down itself (and the server stops with the run).
  test.use({ kernels: null, sessions: null });

  test('hundreds of processes: the table is windowed, sorts, and works from the keyboard; light and dark', async ({
    page,
    tmpPath
  }, testInfo) => {
    const SLEEPS = 300;
    const notebook = 'processes-window.ipynb';
    await page.notebook.createNew(notebook, { kernel: 'python3' });
    // Children of the kernel; killed below, and gone after 5 minutes anyway.
    await page.notebook.setCell(
      0,
      'code',
      `import subprocess\nsleeps = [subprocess.Popen(["sleep", "300"]) for _ in range(${SLEEPS})]\nprint(len(sleeps))`
    );
    await page.notebook.runCell(0);
    expect((await page.notebook.getCellTextOutput(0))?.join('').trim()).toBe(
      String(SLEEPS)
    );

    try {
      const { panel, table } = await openProcesses(page);
      await collapseOtherSections(panel);
      // The server's only kernel. (Not found by its notebook's path: when the
      // server's session gets the notebook's new name after Galata's rename
      // varies, and the first test checks the naming.)
      const kernelRow = table.locator('[role="row"][data-kind="kernel"]');
      await expect(kernelRow).toHaveCount(1, { timeout: 20000 });
      await expect(kernelRow).toContainText(`in ${tmpPath}`);
      await expect
        .poll(() => rowCount(table), { timeout: 20000 })
        .toBeGreaterThan(SLEEPS);

      // Windowed: only the rows in view (and a few more) are in the DOM.
      const inDom = await rows(table).count();
      expect(inDom).toBeGreaterThan(5);
      expect(inDom).toBeLessThan(80);

      // Sorting by memory (the default is largest first), then the other way.
      const memoryHeader = table.getByRole('columnheader', { name: /Memory/ });
      await expect(memoryHeader).toHaveAttribute('aria-sort', 'descending');
      const sleepMemory = async () =>
        (
          await table
            .locator(
              '[role="row"][aria-level="3"] [role="gridcell"]:nth-child(3)'
            )
            .allTextContents()
        ).map(bytes);
      await memoryHeader.getByRole('button').click();
      await expect(memoryHeader).toHaveAttribute('aria-sort', 'ascending');
      let shown = await sleepMemory();
      expect(shown.length).toBeGreaterThan(5);
      expect(shown).toEqual([...shown].sort((a, b) => a - b));
      await memoryHeader.getByRole('button').click();
      await expect(memoryHeader).toHaveAttribute('aria-sort', 'descending');
      shown = await sleepMemory();
      expect(shown).toEqual([...shown].sort((a, b) => b - a));

      await panel.screenshot({
        path: testInfo.outputPath('processes-light.png')
      });
      await page.theme.setDarkTheme();
      await panel.screenshot({
        path: testInfo.outputPath('processes-dark.png')
      });
      await page.theme.setLightTheme();

      // Keyboard: the server's row takes the focus; one row is in the tab order.
      const serverRow = table.locator('[role="row"][data-kind="server"]');
      await serverRow.getByText('Jupyter server').click();
      await expect(serverRow).toBeFocused();
      await expect(table.locator('[role="row"][tabindex="0"]')).toHaveCount(1);

      // End: the last row, far below, is scrolled into view and focused.
      await page.keyboard.press('End');
      const focusedRow = table.locator('[role="row"]:focus');
      await expect(focusedRow).toHaveAttribute(
        'aria-rowindex',
        String((await rowCount(table)) + 1)
      );
      await expect(focusedRow).toBeInViewport();
      // Far from the top: the server's row is not even in the DOM.
      await expect(serverRow).toHaveCount(0);
      await page.keyboard.press('PageUp');
      await expect(focusedRow).toBeInViewport();
      expect(
        Number(await focusedRow.getAttribute('aria-rowindex'))
      ).toBeLessThan((await rowCount(table)) + 1);
      // Home, then down to the kernel (the largest of the server's children).
      await page.keyboard.press('Home');
      await expect(serverRow).toBeFocused();
      await expect(serverRow).toBeInViewport();
      await page.keyboard.press('ArrowDown');
      await expect(kernelRow).toBeFocused();

      // Left collapses the kernel's subtree, right opens it again.
      const opened = await rowCount(table);
      await page.keyboard.press('ArrowLeft');
      await expect(kernelRow).toHaveAttribute('aria-expanded', 'false');
      await expect
        .poll(() => rowCount(table))
        .toBeLessThan(opened - SLEEPS + 1);
      await expect(kernelRow).toBeFocused();
      await page.keyboard.press('ArrowRight');
      await expect(kernelRow).toHaveAttribute('aria-expanded', 'true');
      await expect.poll(() => rowCount(table)).toBeGreaterThan(SLEEPS);
      // Right again goes to its first child.
      await page.keyboard.press('ArrowRight');
      await expect(focusedRow).toHaveAttribute('aria-level', '3');

      // That process ends: the row that takes its place gets the focus.
      const pid = await focusedRow.getAttribute('data-pid');
      const place = await focusedRow.getAttribute('aria-rowindex');
      expect(
        await execute(
          page,
          `s = next(s for s in sleeps if s.pid == ${pid})\ns.kill()\ns.wait()`
        )
      ).toBe('ok');
      await expect(table.locator(`[data-pid="${pid}"]`)).toHaveCount(0, {
        timeout: 20000
      });
      await expect(focusedRow).toHaveAttribute('aria-rowindex', place!);
      await expect(focusedRow).toHaveAttribute('aria-level', '3');
      await page.keyboard.press('ArrowLeft');
      await expect(kernelRow).toBeFocused();

      // Tab reaches the focused row's actions: interrupt a running cell with Enter.
      await page.evaluate(() => {
        const app = (window as any).jupyterapp;
        const kernel = app.shell.currentWidget.sessionContext.session.kernel;
        const future = kernel.requestExecute({
          code: 'import time\ntime.sleep(120)'
        });
        (window as any).__kmExecution = future.done.then(
          (reply: any) => reply.content.ename ?? reply.content.status
        );
      });
      await expect
        .poll(() =>
          page.evaluate(
            () =>
              (window as any).jupyterapp.shell.currentWidget.sessionContext
                .session.kernel.status
          )
        )
        .toBe('busy');
      // In the row, in order: its expander, its memory history, its actions.
      const history = kernelRow.getByRole('button', { name: /^Memory / });
      await expect(history).toBeAttached({ timeout: 20000 });
      await page.keyboard.press('Tab');
      await expect(
        kernelRow.getByRole('button', { name: 'Collapse' })
      ).toBeFocused();
      await page.keyboard.press('Tab');
      await expect(history).toBeFocused();
      await page.keyboard.press('Tab');
      const interrupt = kernelRow.getByRole('button', { name: /^Interrupt / });
      await expect(interrupt).toBeFocused();
      // Shown while the focus is in the row (transparent otherwise).
      await expect(
        kernelRow.locator('.jp-KernelManager-processActions')
      ).toHaveCSS('opacity', '1');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => (window as any).__kmExecution)).toBe(
        'KeyboardInterrupt'
      );
    } finally {
      expect(
        await execute(page, 'for s in sleeps:\n    s.kill()\n    s.wait()')
      ).toBe('ok');
    }

    // Shut the kernel down with the keyboard; its row goes, the focus stays in the table.
    const { table } = await openProcesses(page);
    const kernelRow = table.locator('[role="row"][data-kind="kernel"]');
    // A scan made while the sleeps were being killed may still list some:
    // wait for one that lists none (the kernel is then a leaf).
    await expect(kernelRow).not.toHaveAttribute('aria-expanded', {
      timeout: 20000
    });
    await table
      .locator('[role="row"][data-kind="server"]')
      .getByText('Jupyter server')
      .click();
    await page.keyboard.press('ArrowDown');
    await expect(kernelRow).toBeFocused();
    // Its children gone, it has no expander: its memory history, then
    // Interrupt, Restart, Shut down.
    await page.keyboard.press('Tab');
    await expect(
      kernelRow.getByRole('button', { name: /^Memory / })
    ).toBeFocused();
    for (const action of ['Interrupt', 'Restart', 'Shut down']) {
      await page.keyboard.press('Tab');
      await expect(
        kernelRow.getByRole('button', { name: new RegExp(`^${action} `) })
      ).toBeFocused();
    }
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await expect(
      dialog.getByRole('button', { name: 'Shut Down' })
    ).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(kernelRow).toHaveCount(0, { timeout: 20000 });
    // The dialog gave the focus back to the button, whose row then went: the
    // row that took its place has it.
    await expect(table.locator('[role="row"]:focus')).toHaveCount(1);
  });
});
