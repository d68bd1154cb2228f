import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import {
  changeTheme,
  DARK,
  DIALOG,
  expectAccessible,
  LIGHT
} from '../helpers/a11y';

/**
 * "Edit Kernel" against a real `jupyter lab`: a kernelspec written into the
 * test server's user kernels directory is edited through the dialog, and the
 * launcher and kernel.json follow without a reload.
 */

const dataDir = process.env.KM_TEST_DATA_DIR;
if (!dataDir) {
  throw new Error(
    'KM_TEST_DATA_DIR is not set: run through playwright.config.js'
  );
}
const kernelsDir = path.join(dataDir, 'kernels');
const python = path.resolve(__dirname, '..', '..', '.venv', 'bin', 'python');
const argv = [python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'];
// Where the screenshots are copied for a person to look at.
const shots = process.env.KM_EDIT_SHOTS;

const installed: string[] = [];

test.afterEach(() => {
  for (const dir of installed.splice(0)) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function installSpec(name: string, displayName: string): string {
  const dir = path.join(kernelsDir, name);
  installed.push(dir);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'kernel.json'),
    JSON.stringify(
      { argv, display_name: displayName, language: 'python' },
      null,
      1
    )
  );
  return dir;
}

function kernelJson(dir: string): any {
  return JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf-8'));
}

async function openPanel(page: IJupyterLabPageFixture) {
  await page.keyboard.press('Alt+Shift+K');
  const list = page.getByRole('treegrid', { name: 'Kernels' });
  await expect(list).toBeVisible();
  await page
    .locator('#jp-kernel-manager')
    .getByRole('button', { name: 'Refresh Kernels' })
    .click();
  return list;
}

/** The left sidebar at 250 px, the narrowest a user is likely to keep. */
async function narrowSidebar(page: IJupyterLabPageFixture) {
  await page.evaluate(() => {
    const split = (window as any).jupyterapp.shell._hsplitPanel;
    const width = split.node.clientWidth;
    split.setRelativeSizes([250, width - 250, 0]);
  });
  const box = await page.locator('#jp-left-stack').boundingBox();
  expect(Math.abs((box?.width ?? 0) - 250)).toBeLessThan(4);
}

async function openLauncher(page: IJupyterLabPageFixture) {
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

test.describe('Edit Kernel', () => {
  test('edits the display name and an environment variable; the launcher follows', async ({
    page
  }, testInfo) => {
    const dir = installSpec('km-galata-edit', 'Edit Me');
    const list = await openPanel(page);
    await narrowSidebar(page);
    await openLauncher(page);
    await expect(launcherCard(page, 'Edit Me')).toHaveCount(1);

    // The button in the row's details.
    const row = list.getByRole('row', { name: 'Edit Me' });
    // Near the title's start: a hovered row shows its actions over the
    // title's right half.
    await row
      .locator('.jp-KernelManager-itemTitle')
      .click({ position: { x: 8, y: 8 } });
    await list.press('ArrowRight');
    await row.getByRole('button', { name: 'Edit…' }).click();

    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('Edit “Edit Me”');
    await dialog.getByRole('textbox', { name: 'Display name' }).fill('Edited');
    await dialog.getByRole('button', { name: 'Add variable' }).click();
    // The new row's name field has the focus.
    await page.keyboard.type('OMP_NUM_THREADS');
    await dialog
      .getByRole('textbox', { name: 'Value of variable OMP_NUM_THREADS' })
      .fill('3');
    await dialog
      .getByRole('textbox', { name: 'Extra arguments' })
      .fill('--HistoryManager.enabled=False');
    await dialog
      .getByRole('combobox', { name: 'Interrupt with' })
      .selectOption('message');
    await expect(dialog.getByRole('status')).toContainText(
      'Kernels started from now on'
    );

    // WCAG 2.1 A/AA (axe) and a screenshot, in both themes.
    await page.mouse.move(5, 5);
    for (const [theme, shot] of [
      [LIGHT, 'edit-light.png'],
      [DARK, 'edit-dark.png']
    ]) {
      await changeTheme(page, theme);
      await expectAccessible(page, `Edit kernel dialog (${theme})`, DIALOG);
      await page.screenshot({ path: testInfo.outputPath(shot) });
    }
    await changeTheme(page, LIGHT);
    if (shots) {
      fs.mkdirSync(shots, { recursive: true });
      for (const name of ['edit-light.png', 'edit-dark.png']) {
        fs.copyFileSync(testInfo.outputPath(name), path.join(shots, name));
      }
    }

    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toHaveCount(0);

    // The launcher changes without a reload.
    await expect(launcherCard(page, 'Edited')).toHaveCount(1);
    await expect(launcherCard(page, 'Edit Me')).toHaveCount(0);
    const edited = list.getByRole('row', { name: 'Edited' });
    await expect(edited).toContainText('OMP_NUM_THREADS=3');
    await expect(edited).toContainText('--HistoryManager.enabled=False');
    const spec = kernelJson(dir);
    expect(spec.display_name).toBe('Edited');
    expect(spec.env).toEqual({ OMP_NUM_THREADS: '3' });
    expect(spec.argv).toEqual([...argv, '--HistoryManager.enabled=False']);
    expect(spec.interrupt_mode).toBe('message');
    expect(spec.metadata.kernel_manager.base_argv).toEqual(argv);
  });

  test('from the context menu: a bad variable name is refused before sending, nothing changes', async ({
    page
  }) => {
    const dir = installSpec('km-galata-edit-bad', 'Bad Edit');
    const before = fs.readFileSync(path.join(dir, 'kernel.json'));
    const list = await openPanel(page);

    await list.getByRole('row', { name: 'Bad Edit' }).click({
      button: 'right'
    });
    await page.getByRole('menuitem', { name: 'Edit Kernel…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Add variable' }).click();
    await page.keyboard.type('1BAD');
    await expect(dialog.getByRole('status')).toContainText(
      '“1BAD” is not a variable name'
    );
    await dialog.getByRole('button', { name: 'Save' }).click();
    // Opens again with what was typed and why.
    await expect(dialog.getByRole('alert')).toContainText('1BAD');
    await expect(
      dialog.getByRole('textbox', { name: 'Name of variable 1' })
    ).toHaveValue('1BAD');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toHaveCount(0);
    expect(fs.readFileSync(path.join(dir, 'kernel.json'))).toEqual(before);
  });

  test('system kernels cannot be edited', async ({ page }) => {
    const list = await openPanel(page);
    const system = list.getByRole('row', { name: /Python 3/ });
    await system.click();
    await list.press('ArrowRight');
    await expect(system.getByRole('button', { name: 'Edit…' })).toHaveCount(0);
    const enabled = await page.evaluate(() =>
      (window as any).jupyterapp.commands.isEnabled(
        'kernel-manager:edit-kernelspec',
        { name: 'python3' }
      )
    );
    expect(enabled).toBe(false);
  });
});
