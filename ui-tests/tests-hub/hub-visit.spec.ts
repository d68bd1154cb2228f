import { expect } from '@jupyterlab/galata';
import * as path from 'path';
import {
  ensureRunning,
  hub,
  HUB_OPTIONS,
  logIn,
  openHubSection,
  playwrightPage,
  READY,
  screenshots,
  SPAWN_TIMEOUT,
  test,
  useTheme
} from './hub-helpers';

/**
 * An admin opens another user's server (/user/alice/lab), as admins may: the
 * page's token is then the admin's, for alice's server. The Hub section says
 * whose server it is and who is looking, offers alice's servers only (no
 * users table, no adding or deleting users, no start or stop all, no missing
 * scopes to grant), and so does the command palette.
 */

test.use(HUB_OPTIONS);

// Set by the global setup when no hub can start here (outside CI only).
test.skip(!!process.env.KM_HUB_SKIP, process.env.KM_HUB_SKIP);

test('an admin on alice’s server is told whose it is and offered her servers only', async ({
  page,
  request
}) => {
  // alice, with her server running, set up through the hub's API.
  await ensureRunning(request, 'alice');
  await logIn(page, hub().admin);

  // Not their own server: the hub asks the admin to let it identify them.
  await playwrightPage(page).goto('user/alice/lab');
  const authorize = page.getByRole('button', { name: 'Authorize' });
  const lab = page.locator('#jp-main-dock-panel');
  await expect(authorize.or(lab)).toBeVisible({ timeout: SPAWN_TIMEOUT });
  if (await authorize.isVisible()) {
    await authorize.click();
  }
  await page.waitForURL('**/user/alice/lab**', { timeout: SPAWN_TIMEOUT });
  await expect(page.locator('#jupyterlab-splash')).toHaveCount(0, {
    timeout: 60000
  });
  const config = await page.evaluate(() =>
    JSON.parse(document.getElementById('jupyter-config-data')!.textContent!)
  );
  expect([config.hubUser, config.hubServerUser]).toEqual(['admin', 'alice']);

  const section = await openHubSection(page);
  const owner = section.getByRole('region', { name: 'Server of alice' });
  await expect(owner).toBeVisible();
  await expect(
    owner.getByText('alice’s server', { exact: true })
  ).toBeVisible();
  await expect(owner).toContainText('You are signed in as admin, a hub admin.');
  await expect(
    owner.getByRole('list', { name: 'Servers of alice' })
  ).toContainText(READY);
  // Not presented as the admin's own page.
  await expect(section.getByRole('region', { name: 'You' })).toHaveCount(0);
  await expect(
    section.getByRole('list', { name: 'Servers of admin' })
  ).toHaveCount(0);

  // Nothing for admins.
  await expect(section.getByRole('region', { name: 'Users' })).toHaveCount(0);
  await expect(section.getByRole('table', { name: 'Hub users' })).toHaveCount(
    0
  );
  await expect(
    section.getByRole('textbox', { name: 'Add users, one per line' })
  ).toHaveCount(0);
  await expect(
    section.getByRole('button', { name: /^Delete user/ })
  ).toHaveCount(0);
  await expect(
    section.getByRole('toolbar', { name: 'All servers' })
  ).toHaveCount(0);
  await expect(
    section.getByRole('button', { name: /^(Start|Stop) server of / })
  ).toHaveCount(0);
  // No scopes to ask for: a visitor's page should not have more.
  await expect(section.getByRole('note')).toHaveCount(0);
  await expect(section.getByText(/may not/)).toHaveCount(0);

  // What the page's token can do, as the hub says; a warning exactly when
  // it reaches past alice's own things (a hub that gives every server's
  // tokens the same unfiltered scopes).
  const scopes: string[] = await page.evaluate(async hubPrefix => {
    const token = JSON.parse(
      document.getElementById('jupyter-config-data')!.textContent!
    ).token;
    const reply = await fetch(`${hubPrefix}api/user`, {
      headers: { Authorization: `token ${token}` }
    });
    return (await reply.json()).scopes;
  }, config.hubPrefix);
  test
    .info()
    .annotations.push({ type: 'token scopes', description: scopes.join(' ') });
  const unfiltered = scopes.filter(scope => !scope.includes('!'));
  const warning = section.getByRole('alert');
  if (unfiltered.length > 0) {
    await expect(warning).toContainText('reaches past the things of alice');
    await expect(warning).toContainText(unfiltered[0]);
  } else {
    await expect(warning).toHaveCount(0);
  }

  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-light',
    'true'
  );
  await section.screenshot({ path: path.join(screenshots, 'hub-visit.png') });
  await useTheme(page, true);
  await section.screenshot({
    path: path.join(screenshots, 'hub-visit-dark.png')
  });

  // Stopping her server ends this page, for her too: the dialog says so.
  await owner
    .getByRole('button', { name: 'Stop default server of alice' })
    .click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(
    'Stop the server of alice that this page belongs to?'
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  // The palette follows the same rules: no start or stop all; a new named
  // server is alice's, and says so.
  await page.keyboard.press('Control+Shift+C');
  const search = page.locator('#modal-command-palette input');
  await expect(search).toBeFocused();
  await search.fill('Hub');
  const palette = page.locator('#modal-command-palette');
  await expect(
    palette.getByRole('menuitem', { name: /Refresh Hub/ })
  ).toBeVisible();
  await search.fill('Servers');
  await expect(
    palette.getByRole('menuitem', { name: /All Users’ Servers/ })
  ).toHaveCount(0);
  await search.fill('Named Server');
  const newServer = palette.getByRole('menuitem', {
    name: /New Named Server of alice…/
  });
  await expect(newServer).toBeVisible();
  await page.keyboard.press('Escape');
});
