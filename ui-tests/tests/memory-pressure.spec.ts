import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { changeTheme, DARK, LIGHT } from '../helpers/a11y';

/**
 * The memory warning against a real server whose limit is a hub's MEM_LIMIT
 * (set by playwright.config.js a few GB above what this user used when the
 * run started): a notebook allocates memory until the user's usage passes
 * the warning threshold; the warning names that notebook, and its "Shut
 * down" ends the notebook's kernel. The Kernel Manager panel stays closed:
 * the status bar item's scans are enough.
 */

const SETTINGS_PLUGIN = '@jupyterlab/apputils-extension:settings';
const MEMORY_STATUS = 'jupyterlab-kernel-manager:memory-status';
/** What the notebook allocates beyond the threshold. */
const MARGIN = 500e6;
/** What the notebook allocates at least: the crossing must be its doing. */
const AT_LEAST = 400e6;

interface IUsage {
  used: number;
  limit: number;
  source: string;
}

/** The user's usage and limit, as the server reports them. */
async function usage(page: IJupyterLabPageFixture): Promise<IUsage> {
  return page.evaluate(async () => {
    const settings = (window as any).jupyterapp.serviceManager.serverSettings;
    const response = await fetch(`${settings.baseUrl}kernel-manager/processes`);
    const reply = await response.json();
    return {
      used: reply.totals.uss_bytes ?? reply.totals.rss_bytes,
      limit: reply.limits.memory_bytes,
      source: reply.limits.memory_source
    };
  });
}

/** Runs code in the current notebook's kernel, without a cell. */
async function execute(page: IJupyterLabPageFixture, code: string) {
  await page.evaluate(async source => {
    const kernel = (window as any).jupyterapp.shell.currentWidget.sessionContext
      .session.kernel;
    await kernel.requestExecute({ code: source }).done;
  }, code);
}

async function setThreshold(page: IJupyterLabPageFixture, percent: number) {
  await page.evaluate(
    async ({ plugin, id, value }) => {
      const registry = await (window as any).galata.getPlugin(plugin);
      await registry.set(id, 'memoryWarningThreshold', value);
    },
    { plugin: SETTINGS_PLUGIN, id: MEMORY_STATUS, value: percent }
  );
}

test.describe('memory pressure', () => {
  // Galata's tracking of kernels reads replies it does not expect; the test
  // watches its kernel itself.
  test.use({ kernels: null, sessions: null });

  test('a notebook that nears the limit is named in a warning whose Shut down ends its kernel', async ({
    page
  }, testInfo) => {
    const notebook = 'memory-hungry-notebook.ipynb';
    await page.notebook.createNew(notebook, { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'print("ready")');
    await page.notebook.runCell(0);
    await expect(page.locator('#jp-kernel-manager')).toBeHidden();

    const before = await usage(page);
    // The hub limit from the server's environment, not the machine's size.
    expect(before.source).toBe('env');
    // The threshold just above today's usage plus what the notebook allocates
    // at least, within what the setting allows (50 to 99 %).
    const percent = Math.min(
      99,
      Math.max(50, Math.ceil(((before.used + AT_LEAST) / before.limit) * 100))
    );
    const needed = Math.max(
      AT_LEAST,
      (before.limit * percent) / 100 - before.used + MARGIN
    );
    expect(
      before.used + needed,
      'the limit leaves room to cross the threshold'
    ).toBeLessThan(before.limit);
    await setThreshold(page, percent);

    const kernelId: string = await page.evaluate(
      () =>
        (window as any).jupyterapp.shell.currentWidget.sessionContext.session
          .kernel.id
    );
    await page.notebook.setCell(
      1,
      'code',
      `hoard = [bytearray(${Math.ceil(needed)})]\nprint(len(hoard[0]))`
    );
    await page.notebook.runCell(1);

    // The rest of the user's processes (the browser above all) may give
    // memory back meanwhile: more is allocated until the warning shows.
    const toast = page.locator('.Toastify__toast', {
      hasText: 'memory-hungry'
    });
    for (let round = 0; ; round++) {
      try {
        await expect(toast).toBeVisible({ timeout: 15000 });
        break;
      } catch (error) {
        if (round >= 4) {
          throw error;
        }
        await execute(page, `hoard.append(bytearray(${MARGIN}))`);
      }
    }
    const shutDown = toast.getByRole('button', { name: /Shut down/ });
    await expect(shutDown.first()).toBeVisible();
    await page.theme.setDarkTheme();
    await toast.screenshot({ path: testInfo.outputPath('pressure-dark.png') });
    await page.theme.setLightTheme();
    await toast.screenshot({ path: testInfo.outputPath('pressure-light.png') });
    await shutDown.first().click();

    await expect
      .poll(
        async () => {
          const reply = await page.request.get('/api/kernels');
          const kernels: Array<{ id: string }> = await reply.json();
          return kernels.some(kernel => kernel.id === kernelId);
        },
        { timeout: 20000 }
      )
      .toBe(false);
    // Usage falls back: no warning is left.
    await expect(
      page.locator('.Toastify__toast', { hasText: '%' })
    ).toHaveCount(0, { timeout: 20000 });
    await setThreshold(page, 90);
  });
});

test('a warning with three kernels lines its six buttons up inside the toast, light and dark', async ({
  page
}, testInfo) => {
  // The buttons as the warning labels them (names cut to 14 characters);
  // three kernels over the threshold would take gigabytes to reach here.
  await page.evaluate(() => {
    const actions = [];
    for (const name of [
      'quarterly-anal…',
      'train-model.ip…',
      'scratch.ipynb'
    ]) {
      actions.push(
        {
          label: `Shut down ${name}`,
          commandId: 'apputils:notify',
          displayType: 'warn'
        },
        { label: `Open ${name}`, commandId: 'apputils:notify' }
      );
    }
    void (window as any).jupyterapp.commands.execute('apputils:notify', {
      message:
        'Your memory is at 91% of your limit (3.7 GB of 4.0 GB). Largest kernels: quarterly-analysis-of-ev… 1.2 GB, train-model.ipynb 900 MB',
      type: 'warning',
      options: { autoClose: false, actions }
    });
  });
  const toast = page.locator('.Toastify__toast');
  const buttons = toast.locator('.jp-toast-button');
  await expect(buttons).toHaveCount(6);
  for (const [theme, suffix] of [
    [LIGHT, 'light'],
    [DARK, 'dark']
  ]) {
    await changeTheme(page, theme);
    const box = (await toast.boundingBox())!;
    const rights = await buttons.evaluateAll(elements =>
      elements.map(element => element.getBoundingClientRect().right)
    );
    for (const right of rights) {
      // Each line ends where the first does, none past the toast's edge.
      expect(Math.abs(right - rights[0])).toBeLessThanOrEqual(1);
      expect(right).toBeLessThanOrEqual(box.x + box.width);
    }
    await toast.screenshot({
      path: testInfo.outputPath(`toast-3-${suffix}.png`)
    });
  }
  await changeTheme(page, LIGHT);
});
