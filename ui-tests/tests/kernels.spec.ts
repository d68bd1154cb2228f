import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The Kernels section against a real `jupyter lab`: kernelspecs are written
 * into the test server's own user kernels directory, as `ipykernel install
 * --user` would, and every change is checked on disk as well as on screen.
 */

const dataDir = process.env.KM_TEST_DATA_DIR;
if (!dataDir) {
  throw new Error(
    'KM_TEST_DATA_DIR is not set: run through playwright.config.js'
  );
}
const kernelsDir = path.join(dataDir, 'kernels');
const python = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'python');

// Specs this file installed, removed after each test so no other test (or
// JupyterLab's choice of a default kernel) ever sees them.
const installed: string[] = [];

test.afterEach(() => {
  for (const dir of installed.splice(0)) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function installSpec(
  name: string,
  displayName: string,
  argv0 = python
): string {
  const dir = path.join(kernelsDir, name);
  installed.push(dir);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'kernel.json'),
    JSON.stringify(
      {
        argv: [argv0, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
        display_name: displayName,
        language: 'python',
        metadata: { debugger: true }
      },
      null,
      1
    )
  );
  return dir;
}

async function openPanel(page: IJupyterLabPageFixture) {
  // The panel's own keyboard shortcut, as a user would open it.
  await page.keyboard.press('Alt+Shift+K');
  const list = page.getByRole('treegrid', { name: 'Kernels' });
  await expect(list).toBeVisible();
  return list;
}

async function refresh(page: IJupyterLabPageFixture) {
  // Section toolbars sit in the accordion's header, outside the section.
  await page
    .locator('#jp-kernel-manager')
    .getByRole('button', { name: 'Refresh Kernels' })
    .click();
}

async function openLauncher(page: IJupyterLabPageFixture) {
  // Returns nothing: the launcher widget cannot be serialised back.
  await page.evaluate(async () => {
    await (window as any).jupyterapp.commands.execute('launcher:create');
  });
  await expect(page.locator('.jp-Launcher:visible')).toHaveCount(1);
}

function launcherCard(page: IJupyterLabPageFixture, label: string) {
  return page
    .locator(
      '.jp-Launcher:visible .jp-LauncherCard[data-category="Notebook"] .jp-LauncherCard-label'
    )
    .filter({ hasText: new RegExp(`^${label}$`) });
}

test.describe('Kernels section', () => {
  test('lists a kernel installed by the test, renames and removes it, and the launcher follows', async ({
    page
  }) => {
    const list = await openPanel(page);
    const dir = installSpec('km-galata-rename', 'Galata Kernel');
    await refresh(page);

    const option = list.getByRole('row', { name: 'Galata Kernel' });
    await expect(option).toBeVisible();
    await expect(option).toContainText('km-galata-rename');

    await openLauncher(page);
    await expect(launcherCard(page, 'Galata Kernel')).toHaveCount(1);

    // Rename through the row's button.
    await option.locator('.jp-KernelManager-itemHeader').hover();
    await option.getByRole('button', { name: 'Rename Galata Kernel' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toBeVisible();
    await dialog.getByRole('textbox').fill('Renamed by Galata');
    await dialog.getByRole('button', { name: 'Rename' }).click();

    await expect(
      list.getByRole('row', { name: 'Renamed by Galata' })
    ).toBeVisible();
    await expect(list.getByRole('row', { name: 'Galata Kernel' })).toHaveCount(
      0
    );
    // The launcher changes without a reload.
    await expect(launcherCard(page, 'Renamed by Galata')).toHaveCount(1);
    await expect(launcherCard(page, 'Galata Kernel')).toHaveCount(0);
    const spec = JSON.parse(
      fs.readFileSync(path.join(dir, 'kernel.json'), 'utf-8')
    );
    expect(spec.display_name).toBe('Renamed by Galata');
    expect(spec.metadata).toEqual({ debugger: true });
    expect(spec.argv[0]).toBe(python);

    // Remove, after the confirmation dialog.
    const renamed = list.getByRole('row', { name: 'Renamed by Galata' });
    await renamed.locator('.jp-KernelManager-itemHeader').hover();
    await renamed
      .getByRole('button', { name: 'Remove Renamed by Galata' })
      .click();
    const confirm = page.getByRole('dialog');
    await expect(confirm).toContainText(dir);
    await confirm.getByRole('button', { name: 'Remove' }).click();

    await expect(
      list.getByRole('row', { name: 'Renamed by Galata' })
    ).toHaveCount(0);
    await expect(launcherCard(page, 'Renamed by Galata')).toHaveCount(0);
    expect(fs.existsSync(dir)).toBe(false);
  });

  test('filter and keyboard: Enter opens a notebook with the kernel, which shows as running', async ({
    page
  }) => {
    installSpec('km-galata-keys', 'Keyboard Kernel');
    const list = await openPanel(page);
    await refresh(page);

    const filter = page.getByRole('searchbox', { name: 'Filter kernels' });
    await filter.fill('keyboard');
    await expect(list.getByRole('row')).toHaveCount(1);
    await filter.press('ArrowDown');
    await expect(list).toBeFocused();
    const option = list.getByRole('row', { name: 'Keyboard Kernel' });
    await expect(option).toHaveAttribute('aria-selected', 'true');

    // Right shows the details, Left hides them.
    await list.press('ArrowRight');
    await expect(option).toContainText('Your own kernels');
    await expect(option).toContainText('Healthy');
    await list.press('ArrowLeft');
    await expect(option).not.toContainText('Healthy');

    await list.press('Enter');
    await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
    await expect(
      page.locator('.jp-NotebookPanel .jp-KernelName').first()
    ).toHaveText('Keyboard Kernel');
    await expect(option).toContainText('1 running', { timeout: 30000 });

    // Escape clears the filter: every kernel is back.
    await filter.fill('keyboard');
    await filter.press('Escape');
    await expect(filter).toHaveValue('');
    expect(await list.getByRole('row').count()).toBeGreaterThan(1);

    await page.evaluate(() =>
      (window as any).jupyterapp.serviceManager.sessions.shutdownAll()
    );
    await expect(option).not.toContainText('running');
  });

  test('system kernels are read-only; a broken kernel is flagged; light and dark screenshots', async ({
    page
  }, testInfo) => {
    installSpec(
      'km-galata-broken',
      'Deleted Environment',
      '/nonexistent/env/bin/python'
    );
    const list = await openPanel(page);
    await refresh(page);

    // The server's own python3 spec is not the user's to change.
    const system = list.getByRole('row', { name: /Python 3/ });
    await system.click();
    await list.press('ArrowRight');
    await expect(system).toContainText('Read-only for you');
    // The header, not the centre of a row whose details may be scrolled off.
    await system.locator('.jp-KernelManager-itemHeader').hover();
    await expect(
      system.getByRole('button', { name: /^New notebook/ })
    ).toBeVisible();
    await expect(system.getByRole('button', { name: /^Rename/ })).toHaveCount(
      0
    );
    await expect(system.getByRole('button', { name: /^Remove/ })).toHaveCount(
      0
    );
    await list.press('ArrowLeft');

    const broken = list.getByRole('row', { name: /^Deleted Environment / });
    await expect(broken).toBeVisible();
    await expect(broken).toContainText('Broken');
    await broken.click();
    await list.press('ArrowRight');
    await expect(broken).toContainText('/nonexistent/env/bin/python');

    const panel = page.locator('#jp-kernel-manager');
    await page.mouse.move(600, 600);
    await panel.screenshot({ path: testInfo.outputPath('kernels-light.png') });
    await page.theme.setDarkTheme();
    await panel.screenshot({ path: testInfo.outputPath('kernels-dark.png') });
    await page.theme.setLightTheme();

    // Hidden when the setting says so, read live.
    await page.evaluate(async () => {
      const registry = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry.set(
        'jupyterlab-kernel-manager:kernels',
        'showBrokenKernels',
        false
      );
    });
    await expect(broken).toHaveCount(0);
    await expect(page.locator('.jp-KernelManager-status')).toContainText(
      '1 broken kernel hidden'
    );
    await page.evaluate(async () => {
      const registry = await (window as any).galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry.set(
        'jupyterlab-kernel-manager:kernels',
        'showBrokenKernels',
        true
      );
    });
    await expect(broken).toBeVisible();
  });
});
