import { expect } from '@jupyterlab/galata';
import type { APIRequestContext, Locator } from '@playwright/test';
import {
  changeTheme,
  DARK,
  DIALOG,
  expectAccessible,
  LIGHT,
  PANEL
} from '../helpers/a11y';
import {
  ensureRunning,
  hub,
  HUB_OPTIONS,
  hubApi,
  logIn,
  openHubSection,
  READY,
  SPAWN_TIMEOUT,
  test
} from './hub-helpers';

/**
 * WCAG 2.1 A and AA (axe-core) on the Hub section of a real JupyterHub, in
 * the light and the dark theme: as an admin (their servers, the users table
 * with alice's running server, the confirmation dialogs) and as alice, a
 * plain user (her own servers only).
 */

test.use(HUB_OPTIONS);

// Set by the global setup when no hub can start here (outside CI only).
test.skip(!!process.env.KM_HUB_SKIP, process.env.KM_HUB_SKIP);

/**
 * Deletes `name`, as the other hub specs expect to find the hub (no users but
 * admin and those they add); a server still stopping makes the hub answer 400
 * for a moment.
 */
async function deleteUser(request: APIRequestContext, name: string) {
  await expect
    .poll(
      async () => (await hubApi(request, 'DELETE', `users/${name}`)).status(),
      {
        timeout: SPAWN_TIMEOUT,
        intervals: [500]
      }
    )
    .toBe(404);
}

test.afterAll(async ({ playwright }) => {
  const request = await playwright.request.newContext();
  try {
    await deleteUser(request, 'alice');
  } finally {
    await request.dispose();
  }
});

/** Opens a dialog from the keyboard (the Hub section may not scroll to it). */
async function openDialog(control: Locator) {
  await control.focus();
  await control.press('Enter');
  await expect(control.page().locator(DIALOG)).toBeVisible();
}

async function cancelDialog(control: Locator) {
  const dialog = control.page().locator(DIALOG);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
}

test('WCAG 2.1 A/AA: the Hub section as an admin, light and dark', async ({
  page,
  request
}) => {
  // A user whose server runs: a row with figures and every action.
  await ensureRunning(request, 'alice');
  await logIn(page, hub().admin);
  const section = await openHubSection(page);
  await expect(
    section.getByRole('list', { name: 'Servers of admin' })
  ).toContainText(READY);
  const table = section.getByRole('table', { name: 'Hub users' });
  const alice = table
    .getByRole('row')
    .filter({ has: page.getByRole('rowheader', { name: /^alice/ }) });
  await expect(alice.getByRole('rowheader')).toHaveAccessibleName(
    /Server state: running$/
  );

  for (const theme of [LIGHT, DARK]) {
    await changeTheme(page, theme);
    await expectAccessible(page, `Hub section as admin (${theme})`, PANEL);

    const stop = alice.getByRole('button', { name: 'Stop server of alice' });
    await openDialog(stop);
    await expectAccessible(page, `Stop server dialog (${theme})`, DIALOG);
    await cancelDialog(stop);

    const remove = alice.getByRole('button', { name: 'Delete user alice' });
    await openDialog(remove);
    await expectAccessible(page, `Delete user dialog (${theme})`, DIALOG);
    await cancelDialog(remove);
  }
});

test('WCAG 2.1 A/AA: the Hub section as a plain user, light and dark', async ({
  page
}) => {
  await logIn(page, 'alice');
  const section = await openHubSection(page);
  const servers = section.getByRole('list', { name: 'Servers of alice' });
  await expect(servers).toContainText(READY);

  for (const theme of [LIGHT, DARK]) {
    await changeTheme(page, theme);
    await expectAccessible(page, `Hub section as a user (${theme})`, PANEL);

    const stop = servers.getByRole('button', {
      name: 'Stop default server of alice'
    });
    await openDialog(stop);
    await expectAccessible(page, `Stop own server dialog (${theme})`, DIALOG);
    await cancelDialog(stop);
  }
});
