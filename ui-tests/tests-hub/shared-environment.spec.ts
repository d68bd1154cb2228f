import { expect } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import * as path from 'path';
import {
  ensureRunning,
  hub,
  HUB_OPTIONS,
  logIn,
  screenshots,
  SPAWN_TIMEOUT,
  test,
  useTheme
} from './hub-helpers';

/**
 * A hub admin (in a group with passwordless sudo, as TLJH makes them) shares
 * an environment from the New Environment form; a second user, alice, finds
 * its kernel in her launcher, marked shared and read-only in her Kernel
 * Manager. The admin then deletes it. As root only: the hub's servers then
 * run as Unix accounts of their own (tests/hub/shared_setup.py).
 */

test.use(HUB_OPTIONS);
test.skip(!!process.env.KM_HUB_SKIP, process.env.KM_HUB_SKIP);
test.skip(
  typeof process.getuid === 'function' && process.getuid() !== 0,
  'shared environments need root (Unix accounts and sudo)'
);

const NAME = 'classenv';
const DISPLAY = 'Class environment';
// Creating the environment: uv, from its cache after the first run.
const CREATE_TIMEOUT = 90 * 1000;

/** The Environments section, the only one expanded. */
async function openEnvironments(page: Page) {
  const panel = page.locator('#jp-kernel-manager');
  // A workspace may have it open already: clicking its tab would close it.
  if (!(await panel.isVisible())) {
    await page.getByRole('tab', { name: 'Kernel Manager' }).click();
  }
  await expect(panel).toBeVisible();
  for (const name of ['Kernels', 'Environments', 'Processes', 'Hub']) {
    const header = panel.getByRole('heading', { name: `${name} Section` });
    const expanded = (await header.getAttribute('aria-expanded')) === 'true';
    if (expanded !== (name === 'Environments')) {
      await header.click();
    }
  }
  return panel;
}

test('an admin shares an environment and alice finds it in her launcher', async ({
  page,
  browser,
  request
}) => {
  test.setTimeout(SPAWN_TIMEOUT + CREATE_TIMEOUT + 60 * 1000);
  await logIn(page, hub().admin);
  const panel = await openEnvironments(page);
  const shared = panel.getByRole('list', { name: 'Shared with every user' });

  // Filled in the dark theme first (a screenshot, then Cancel), then in the
  // light one, and created.
  const dialog = page.locator('.jp-Dialog');
  for (const dark of [true, false]) {
    await useTheme(page, dark);
    await panel
      .getByRole('button', { name: 'New Environment…' })
      .first()
      .click();
    await dialog.getByLabel('Name', { exact: true }).fill(NAME);
    await dialog.getByLabel('Display name').fill(DISPLAY);
    await dialog
      .getByRole('checkbox', { name: 'Share with every user' })
      .check();
    await expect(dialog).toContainText('nobody but hub admins can change it');
    await dialog.screenshot({
      path: path.join(screenshots, `shared-form-${dark ? 'dark' : 'light'}.png`)
    });
    if (dark) {
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toHaveCount(0);
    }
  }
  await dialog.getByRole('button', { name: 'Create' }).click();

  const row = shared.locator(`[data-shared-environment-name="${NAME}"]`);
  await expect(row).toContainText(DISPLAY, { timeout: CREATE_TIMEOUT });
  await expect(row).not.toContainText('Working', { timeout: CREATE_TIMEOUT });
  await expect(row).toContainText('shared');
  await expect(
    row.getByRole('button', { name: `Delete ${NAME}` })
  ).toBeVisible();
  await panel.screenshot({
    path: path.join(screenshots, 'shared-list-admin.png')
  });

  // alice, in a browser of her own.
  await ensureRunning(request, 'alice');
  const context = await browser.newContext();
  const alice = await context.newPage();
  try {
    await alice.goto(`${hub().url}hub/login`);
    await alice.getByLabel('Username').fill('alice');
    await alice.getByLabel('Password').fill(hub().user_password);
    await alice.getByRole('button', { name: 'Sign in' }).click();
    await alice.waitForURL('**/user/alice/lab**', { timeout: SPAWN_TIMEOUT });
    await expect(alice.locator('#jupyterlab-splash')).toHaveCount(0, {
      timeout: 60000
    });
    // A launcher of her own (her workspace may hold others, in the background).
    await alice.keyboard.press('Control+Shift+L');
    const launcher = alice.locator('.jp-Launcher:visible');
    await expect(launcher).toHaveCount(1);
    const card = launcher.getByText(DISPLAY, { exact: true });
    await expect(card.first()).toBeVisible({ timeout: 30000 });
    await launcher.screenshot({
      path: path.join(screenshots, 'shared-launcher-alice.png')
    });

    // Listed as shared, without Add or Delete for her.
    const alicePanel = await openEnvironments(alice);
    const aliceRow = alicePanel.locator(
      `[data-shared-environment-name="${NAME}"]`
    );
    await expect(aliceRow).toContainText(DISPLAY);
    await expect(aliceRow.getByRole('button', { name: /^Delete/ })).toHaveCount(
      0
    );
    await expect(aliceRow.getByRole('button', { name: /^Add/ })).toHaveCount(0);
  } finally {
    await context.close();
  }

  // The admin deletes it: gone from the list.
  await row.getByRole('button', { name: `Delete ${NAME}` }).click();
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Delete', exact: true })
    .click();
  await expect(row).toHaveCount(0, { timeout: 60000 });
});
