import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  changeTheme,
  DARK,
  DIALOG,
  expectAccessible,
  LIGHT,
  MEMORY_STATUS,
  PANEL
} from '../helpers/a11y';

/**
 * WCAG 2.1 A and AA (axe-core) on everything the extension shows in a plain
 * `jupyter lab`, in the light and the dark theme: each section with content
 * (and the Environments section empty, then with environments), the forms
 * and the confirmation dialogs, and the memory item of the status bar. Every
 * scan is soft: one run lists every violation of every view.
 */

const dataDir = process.env.KM_TEST_DATA_DIR;
if (!dataDir) {
  throw new Error(
    'KM_TEST_DATA_DIR is not set: run through playwright.config.js'
  );
}
const venvPython = path.resolve(
  __dirname,
  '..',
  '..',
  '.venv',
  'bin',
  'python'
);
const kernelsDir = path.join(dataDir, 'kernels');
// The server's default environments_dir (<jupyter data dir>/kernel-manager/envs).
const envsDir = path.join(dataDir, 'kernel-manager', 'envs');

const SPECS = [
  { name: 'km-a11y-one', displayName: 'A11y Kernel', argv0: venvPython },
  {
    name: 'km-a11y-two',
    displayName: 'Another A11y Kernel',
    argv0: venvPython
  },
  {
    name: 'km-a11y-broken',
    displayName: 'A11y Broken',
    argv0: '/nonexistent/env/bin/python'
  }
];
const ENVIRONMENTS = ['a11y-env', 'a11y-broken-env'];

function writeSpecs() {
  for (const spec of SPECS) {
    const dir = path.join(kernelsDir, spec.name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'kernel.json'),
      JSON.stringify({
        argv: [
          spec.argv0,
          '-m',
          'ipykernel_launcher',
          '-f',
          '{connection_file}'
        ],
        display_name: spec.displayName,
        language: 'python'
      })
    );
  }
}

/**
 * Two environments as a few milliseconds make them (no download): plain
 * venvs without pip. The first imports ipykernel from the project's venv
 * through a .pth file, so it is healthy; the second has none, so it is
 * flagged as not working.
 */
function makeEnvironments() {
  for (const name of ENVIRONMENTS) {
    const dir = path.join(envsDir, name);
    execFileSync(venvPython, ['-m', 'venv', '--without-pip', dir]);
  }
  const site = (python: string) =>
    execFileSync(
      python,
      ['-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
      {
        encoding: 'utf8'
      }
    ).trim();
  fs.writeFileSync(
    path.join(
      site(path.join(envsDir, ENVIRONMENTS[0], 'bin', 'python')),
      'km-a11y.pth'
    ),
    `${site(venvPython)}\n`
  );
}

function cleanUp() {
  for (const spec of SPECS) {
    fs.rmSync(path.join(kernelsDir, spec.name), {
      recursive: true,
      force: true
    });
  }
  for (const name of ENVIRONMENTS) {
    fs.rmSync(path.join(envsDir, name), { recursive: true, force: true });
  }
}

test.beforeEach(() => {
  cleanUp();
  writeSpecs();
});
test.afterEach(cleanUp);

/** Expands the section `name` alone, so that it has the panel's height. */
async function expandOnly(panel: Locator, name: string): Promise<Locator> {
  for (const other of ['Kernels', 'Environments', 'Processes']) {
    const header = panel.getByRole('heading', { name: `${other} Section` });
    const open = other === name;
    if ((await header.getAttribute('aria-expanded')) !== String(open)) {
      await header.click();
    }
    await expect(header).toHaveAttribute('aria-expanded', String(open));
  }
  const header = panel.getByRole('heading', { name: `${name} Section` });
  return panel.locator(`#${await header.getAttribute('aria-controls')}`);
}

async function clickRowButton(row: Locator, name: string) {
  // Row actions show on hover (or on the active row).
  await row.locator('.jp-KernelManager-itemHeader').hover();
  await row.getByRole('button', { name }).click();
}

async function closeDialog(page: IJupyterLabPageFixture) {
  await page.locator(DIALOG).getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator(DIALOG)).toHaveCount(0);
}

/**
 * Scans `include` in the current theme, then in the other one, and stays
 * there: one theme switch per view, whatever the order of the views.
 */
async function scanBothThemes(
  page: IJupyterLabPageFixture,
  what: string,
  include: string
): Promise<void> {
  const current = await page.locator('body').getAttribute('data-jp-theme-name');
  for (const theme of current === DARK ? [DARK, LIGHT] : [LIGHT, DARK]) {
    await changeTheme(page, theme);
    await expectAccessible(page, `${what} (${theme})`, include);
  }
}

test('WCAG 2.1 A/AA in the light and dark themes: sections, forms, dialogs, status item', async ({
  page
}) => {
  await page.sidebar.openTab('jp-kernel-manager');
  const panel = page.locator(PANEL);
  await expect(panel).toBeVisible();

  // A running kernel, for the Processes section and the Kernels badge.
  await page.evaluate(async () => {
    await (window as any).jupyterapp.serviceManager.kernels.startNew({
      name: 'python3'
    });
  });

  try {
    // Kernels: a few specs, one broken, one expanded to its details.
    const kernels = await expandOnly(panel, 'Kernels');
    await panel.getByRole('button', { name: 'Refresh Kernels' }).click();
    const list = kernels.getByRole('treegrid', { name: 'Kernels' });
    await expect(
      list.getByRole('row', { name: /^A11y Broken / })
    ).toBeVisible();
    const row = list.getByRole('row', { name: /^A11y Kernel / });
    // Near the title's start: a hovered row shows its actions over the
    // title's right half, where a click would press one (or wait forever for
    // the title to take it).
    await row
      .locator('.jp-KernelManager-itemTitle')
      .click({ position: { x: 8, y: 8 } });
    await list.press('ArrowRight');
    await expect(row).toContainText('Healthy');
    await expect(list.getByRole('row', { name: /Python 3/ })).toContainText(
      '1 running'
    );
    await scanBothThemes(page, 'Kernels section, list focused', PANEL);
    // The selected row is styled apart when the list has no focus.
    await kernels.getByRole('searchbox', { name: 'Filter kernels' }).focus();
    await expect(row).toHaveAttribute('aria-selected', 'true');
    await scanBothThemes(page, 'Kernels section, list not focused', PANEL);

    await clickRowButton(row, 'Rename A11y Kernel');
    await expect(page.locator(DIALOG).getByRole('textbox')).toBeVisible();
    await scanBothThemes(page, 'Rename kernel dialog', DIALOG);
    await closeDialog(page);

    await clickRowButton(row, 'Remove A11y Kernel');
    await expect(page.locator(DIALOG)).toContainText('km-a11y-one');
    await scanBothThemes(page, 'Remove kernel dialog', DIALOG);
    await closeDialog(page);

    // Environments: none yet, then a healthy one and a broken one.
    const environments = await expandOnly(panel, 'Environments');
    await expect(environments).toContainText('No environments yet');
    await scanBothThemes(page, 'Environments section, empty', PANEL);

    await environments
      .getByRole('button', { name: 'New Environment…' })
      .click();
    const form = page.locator(DIALOG);
    await expect(
      form.getByRole('textbox', { name: 'Name', exact: true })
    ).toBeVisible();
    // With the inline error that a bad name shows.
    await form
      .getByRole('textbox', { name: 'Name', exact: true })
      .fill('bad name');
    await expect(form).toContainText('Use only letters, digits');
    await scanBothThemes(page, 'New environment form', DIALOG);
    await closeDialog(page);

    makeEnvironments();
    await panel.getByRole('button', { name: 'Refresh Environments' }).click();
    const healthy = environments.locator(
      `[data-environment-name="${ENVIRONMENTS[0]}"]`
    );
    const broken = environments.locator(
      `[data-environment-name="${ENVIRONMENTS[1]}"]`
    );
    await expect(healthy).toContainText('Python 3');
    await expect(broken).toContainText(/ipykernel/i);
    await scanBothThemes(page, 'Environments section, two environments', PANEL);

    await healthy
      .getByRole('button', { name: `Add packages to ${ENVIRONMENTS[0]}` })
      .click();
    await expect(
      page.locator(DIALOG).getByRole('textbox', { name: 'Packages' })
    ).toBeVisible();
    await scanBothThemes(page, 'Add packages form', DIALOG);
    await closeDialog(page);

    await healthy
      .getByRole('button', { name: `Delete ${ENVIRONMENTS[0]}` })
      .click();
    await expect(page.locator(DIALOG)).toContainText(ENVIRONMENTS[0]);
    await scanBothThemes(page, 'Delete environment dialog', DIALOG);
    await closeDialog(page);

    // Processes: the server and the kernel under it.
    const processes = await expandOnly(panel, 'Processes');
    const table = processes.getByRole('treegrid', { name: 'Processes' });
    await expect(table.locator('[role="row"][data-kind="kernel"]')).toHaveCount(
      1,
      {
        timeout: 20000
      }
    );
    await expect(
      processes.getByRole('meter', { name: 'Memory' })
    ).toBeVisible();
    await scanBothThemes(page, 'Processes section', PANEL);

    // The memory item of the status bar.
    await expect(page.locator(MEMORY_STATUS)).toContainText(/Mem: /);
    await scanBothThemes(page, 'Memory status item', MEMORY_STATUS);
  } finally {
    await page.evaluate(() =>
      (window as any).jupyterapp.serviceManager.kernels.shutdownAll()
    );
  }
});
