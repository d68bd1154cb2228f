import {
  expect,
  galata,
  IJupyterLabPageFixture,
  test as galataTest
} from '@jupyterlab/galata';
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The Hub section against a real JupyterHub (hub-global-setup.js starts it
 * with no users but admin). Each test logs in through the hub's login page,
 * as a person does, and the hub starts that user's JupyterLab; an admin adds,
 * starts, stops and deletes users, and a plain user sees none of that and is
 * refused by the hub itself.
 */

interface IHubInfo {
  url: string;
  admin: string;
  admin_password: string;
  user_password: string;
  service_token: string;
}

let info: IHubInfo | undefined;

/**
 * The hub the global setup started (read when a test runs: listing the tests
 * needs no hub).
 */
function hub(): IHubInfo {
  if (!info) {
    const file = process.env.KM_HUB_INFO;
    if (!file) {
      throw new Error('KM_HUB_INFO is not set: run with playwright.hub.config.js');
    }
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as IHubInfo;
  }
  return info;
}

const screenshots = path.resolve(__dirname, '..', 'test-results');

// Starting a server: useradd (as root), then a JupyterLab server; the machine
// is shared.
const SPAWN_TIMEOUT = 120 * 1000;
// A user's own default server, ready, in the section's list of their servers.
const READY = /default server\W*ready/;
// The section asks the hub again every REFRESH_INTERVAL seconds here (the
// setting's default is 30), so that a kernel started behind its back shows
// without a click; and once more FOLLOW_UP_DELAY ms after a start or stop.
const REFRESH_INTERVAL = 10;
const FOLLOW_UP_DELAY = 3000;
// A row's "Using" figures: in words for screen readers, and compact on screen.
const USING_WORDS = /^(\d+) process(es)?, \d+% CPU, [\d.]+ [kMG]?B$/;
const USING_COMPACT = /^\d+\sproc\s· \d+%\s· [\d.]+\s[kMG]?B$/;

const test = galataTest.extend({
  baseURL: async ({}, use) => {
    await use(hub().url);
  },
  // Galata makes a folder for each test through the server's REST API without
  // credentials; here the server is behind the hub's login, and no test needs
  // files on it.
  tmpPath: async ({}, use) => {
    await use('');
  }
});

test.use({
  // Log in, let the hub spawn the server, then JupyterLab: done by the tests.
  autoGoto: false,
  // The hub's user is the real one.
  mockUser: false,
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    'jupyterlab-kernel-manager:plugin': { hubRefreshInterval: REFRESH_INTERVAL }
  }
});

// Set by the global setup when no hub can start here (outside CI only).
test.skip(!!process.env.KM_HUB_SKIP, process.env.KM_HUB_SKIP);

/**
 * The hub's REST API as the tests' own admin service (not through the page).
 */
function hubApi(request: APIRequestContext, method: string, route: string) {
  return request.fetch(`${hub().url}hub/api/${route}`, {
    method,
    headers: { Authorization: `token ${hub().service_token}` }
  });
}

/**
 * Logs in through /hub/login and waits for the JupyterLab the hub starts.
 */
async function logIn(page: IJupyterLabPageFixture, user: string): Promise<void> {
  const password = user === hub().admin ? hub().admin_password : hub().user_password;
  // Galata's own goto waits for its helper extension, which the hub's servers
  // do not load: the Playwright page under it (JupyterLabPage.page, left out
  // of the fixture's type) goes there.
  await (page as unknown as { page: Page }).page.goto('hub/login');
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The hub spawns the server (its progress page), then sends us to it.
  await page.waitForURL(`**/user/${user}/lab**`, { timeout: SPAWN_TIMEOUT });
  await expect(page.locator('#jupyterlab-splash')).toHaveCount(0, { timeout: 60000 });
}

/**
 * Opens the Kernel Manager sidebar with only its Hub section expanded, as a
 * user gives it the room; returns the section.
 */
async function openHubSection(page: IJupyterLabPageFixture): Promise<Locator> {
  await page.getByRole('tab', { name: 'Kernel Manager' }).click();
  const panel = page.locator('#jp-kernel-manager');
  await expect(panel).toBeVisible();
  for (const name of ['Kernels', 'Environments', 'Processes', 'Hub']) {
    const header = panel.getByRole('heading', { name: `${name} Section` });
    const expanded = (await header.getAttribute('aria-expanded')) === 'true';
    if (expanded !== (name === 'Hub')) {
      await header.click();
    }
    await expect(header).toHaveAttribute('aria-expanded', String(name === 'Hub'));
  }
  const header = panel.getByRole('heading', { name: 'Hub Section' });
  const section = panel.locator(`#${await header.getAttribute('aria-controls')}`);
  await expect(section).toBeVisible();
  return section;
}

/**
 * Clicks a control of the Hub section. One that the user cannot bring into
 * view (the section does not scroll) is a soft failure, and is then pressed
 * from the keyboard, so that the rest of the test still runs.
 */
async function activate(control: Locator): Promise<void> {
  let reachable = true;
  try {
    await control.click({ trial: true, timeout: 5000 });
  } catch {
    reachable = false;
  }
  expect
    .soft(reachable, `the Hub section does not let ${control} be scrolled to and clicked`)
    .toBe(true);
  if (reachable) {
    await control.click();
  } else {
    await control.focus();
    await control.press('Enter');
  }
}

test('an admin adds users, starts, watches and stops a server, and deletes a user', async ({
  page,
  request
}) => {
  // Nobody but admin: the setup starts the hub so, and a retry starts over.
  for (const name of ['alice', 'bob']) {
    await hubApi(request, 'DELETE', `users/${name}`);
  }

  await logIn(page, hub().admin);
  const section = await openHubSection(page);

  // Their own server, then the users table: so far only admin.
  await expect(section.getByRole('list', { name: 'Servers of admin' })).toContainText(READY);
  const table = section.getByRole('table', { name: 'Hub users' });
  const row = (name: string) =>
    table.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
  // The row header: name, admin badge, and the state of the default server,
  // which screen readers hear as "Server state: ...".
  const header = (name: string) => row(name).getByRole('rowheader');
  await expect(row('admin')).toHaveCount(1);
  await expect(table.getByRole('row')).toHaveCount(2); // header and admin
  await expect(header('admin')).toHaveAccessibleName(/^admin\s*admin\s*Server state: running$/);

  // The sort select says what it does, on screen and to screen readers.
  await expect(section.getByRole('combobox', { name: 'Sort by' })).toBeVisible();
  await expect(section.getByText('Sort by', { exact: true })).toBeVisible();

  // alice and bob in one go, one name per line; the result line by line.
  const names = section.getByRole('textbox', { name: 'Add users, one per line' });
  await names.fill('alice\nbob');
  await section.getByRole('button', { name: 'Add Users' }).click();
  const result = section.getByRole('list', { name: 'Result of adding users' });
  await expect(result.getByText('alice: created')).toBeVisible();
  await expect(result.getByText('bob: created')).toBeVisible();
  await expect(names).toHaveValue('');
  await expect(row('alice')).toHaveCount(1);
  await expect(row('bob')).toHaveCount(1);
  expect((await hubApi(request, 'GET', 'users/alice')).status()).toBe(200);
  expect((await hubApi(request, 'GET', 'users/bob')).status()).toBe(200);

  // Each sort is one the hub accepts, and sorts: newest first puts bob on top.
  const sortBy = section.getByRole('combobox', { name: 'Sort by' });
  const rowNames = () => table.getByRole('rowheader').evaluateAll(cells =>
    cells.map(cell => cell.querySelector('.jp-KernelManager-hubUserName')?.textContent ?? '')
  );
  await sortBy.selectOption({ label: 'Newest' });
  await expect.poll(rowNames).toEqual(['bob', 'alice', 'admin']);
  await sortBy.selectOption({ label: 'Last active' });
  await expect(table.getByRole('row')).toHaveCount(4);
  await sortBy.selectOption({ label: 'Name' });
  await expect.poll(rowNames).toEqual(['admin', 'alice', 'bob']);
  await expect(section.getByRole('alert')).toHaveCount(0);
  // The first cell is "Using" (the row header holds name and state).
  const using = (name: string) => row(name).getByRole('cell').first();
  // The mouse wheel scrolls the section down to the pager under the table,
  // into the section's own box. Soft: a failure here says so, and the rest
  // still runs.
  await section.hover();
  await page.mouse.wheel(0, 3000);
  const next = section.getByRole('button', { name: 'Next', exact: true });
  const scrolls = await expect(async () => {
    const box = (await section.boundingBox())!;
    const end = (await next.boundingBox())!;
    expect(end.y + end.height).toBeLessThanOrEqual(box.y + box.height);
  })
    .toPass({ timeout: 5000 })
    .then(
      () => true,
      () => false
    );
  expect.soft(scrolls, 'the mouse wheel scrolls the Hub section down to its pager').toBe(true);
  await expect(header('alice')).toHaveAccessibleName(/^alice\s*Server state: stopped$/);
  await expect(row('alice').getByText('stopped', { exact: true })).toBeVisible();

  // Start alice's server and see it become ready.
  await activate(row('alice').getByRole('button', { name: 'Start server of alice' }));
  await expect(header('alice')).toHaveAccessibleName(/^alice\s*Server state: running$/, {
    timeout: SPAWN_TIMEOUT
  });
  const server = await (await hubApi(request, 'GET', 'users/alice')).json();
  expect(server.servers[''].ready).toBe(true);

  // What she runs: give her a kernel (through the hub's proxy, as the tests'
  // service), and her processes are her server and that kernel.
  const kernel = await request.post(`${hub().url}user/alice/api/kernels`, {
    headers: { Authorization: `token ${hub().service_token}` },
    data: { name: 'python3' }
  });
  expect(kernel.status()).toBe(201);
  // The section refreshes itself (no click): within the interval, plus the
  // machine's scan cache and a margin.
  await expect(using('alice')).toHaveAccessibleName(/^([2-9]|\d\d+) processes, /, {
    timeout: REFRESH_INTERVAL * 1000 + 20000
  });
  await expect(using('alice')).toHaveAccessibleName(USING_WORDS);
  await expect(using('alice').locator('[aria-hidden="true"]')).toHaveText(USING_COMPACT);

  // In the 250 px sidebar: the admin badge on the name's line, the figures
  // on two lines at most.
  const name = (await row('admin').getByRole('button', { name: 'admin', exact: true }).boundingBox())!;
  const badge = (await row('admin').locator('.jp-KernelManager-badge').boundingBox())!;
  expect(badge.x).toBeGreaterThan(name.x + name.width - 1);
  expect(Math.abs(badge.y + badge.height / 2 - (name.y + name.height / 2))).toBeLessThan(4);
  for (const user of ['admin', 'alice']) {
    const lines = await using(user)
      .locator('[aria-hidden="true"]')
      .evaluate(span => span.getClientRects().length);
    expect(lines, `lines of the figures of ${user}`).toBeLessThanOrEqual(2);
  }
  expect((await section.boundingBox())!.width).toBeLessThanOrEqual(250);
  // Nothing reaches past the table's right edge, nor the table past the
  // section's content box.
  const overflow = await table.evaluate(element => {
    const body = element.closest('.jp-KernelManager-hub')!;
    const padding = parseFloat(getComputedStyle(body).paddingRight);
    const right = Math.min(
      element.getBoundingClientRect().right,
      body.getBoundingClientRect().right - padding
    );
    return Array.from(element.querySelectorAll('th, td, button, span'))
      .filter(child => child.getBoundingClientRect().right > right + 0.5)
      .map(child => child.textContent);
  });
  expect(overflow).toEqual([]);
  await expect(page.locator('body')).toHaveAttribute('data-jp-theme-light', 'true');
  await section.screenshot({ path: path.join(screenshots, 'hub-admin.png') });
  // The same in the dark theme (kept in Galata's in-memory settings only).
  await page.getByRole('menuitem', { name: 'Settings' }).click();
  const menus = page.locator('.lm-Menu');
  await menus.getByText('Theme', { exact: true }).hover();
  await menus.getByText('JupyterLab Dark', { exact: true }).click();
  await expect(page.locator('body')).toHaveAttribute('data-jp-theme-light', 'false');
  await section.screenshot({ path: path.join(screenshots, 'hub-admin-dark.png') });

  // Stop it (a confirm dialog), and it is stopped, using nothing.
  await activate(row('alice').getByRole('button', { name: 'Stop server of alice' }));
  const stopDialog = page.getByRole('dialog');
  await expect(stopDialog).toContainText('alice');
  await stopDialog.getByRole('button', { name: 'Stop' }).click();
  await expect(header('alice')).toHaveAccessibleName(/^alice\s*Server state: stopped$/, {
    timeout: SPAWN_TIMEOUT
  });
  // Nothing runs any more, and the section says so without a click on
  // Refresh: her kernel outlives the server by a second or two (it notices
  // its parent is gone), but a stopped server shows no figures, and the
  // section asks again FOLLOW_UP_DELAY after the stop.
  await expect(using('alice')).toHaveText('', { timeout: FOLLOW_UP_DELAY + 3000 });
  expect((await (await hubApi(request, 'GET', 'users/alice')).json()).servers).toEqual({});

  // Delete bob (a confirm dialog): gone from the table and from the hub.
  await activate(row('bob').getByRole('button', { name: 'Delete user bob' }));
  const deleteDialog = page.getByRole('dialog');
  await expect(deleteDialog).toContainText('bob');
  await deleteDialog.getByRole('button', { name: 'Delete' }).click();
  await expect(row('bob')).toHaveCount(0);
  await expect(row('alice')).toHaveCount(1);
  expect((await hubApi(request, 'GET', 'users/bob')).status()).toBe(404);
});

test('a user sees their own server, no admin controls, and the hub refuses admin routes', async ({
  page,
  request
}) => {
  await logIn(page, 'alice');
  const section = await openHubSection(page);

  const servers = section.getByRole('list', { name: 'Servers of alice' });
  await expect(servers).toContainText(READY);
  await expect(servers.getByRole('button', { name: 'Stop default server of alice' })).toBeVisible();
  // Loaded (her servers are listed), and nothing for admins.
  await expect(section.getByRole('region', { name: 'Users' })).toHaveCount(0);
  await expect(section.getByRole('table', { name: 'Hub users' })).toHaveCount(0);
  await expect(section.getByRole('textbox', { name: 'Add users, one per line' })).toHaveCount(0);
  await expect(section.getByRole('button', { name: /^Delete user/ })).toHaveCount(0);
  await expect(section.getByRole('toolbar', { name: 'All servers' })).toHaveCount(0);
  await expect(section.getByRole('button', { name: /^(Start|Stop) server of / })).toHaveCount(0);
  await expect(section.getByRole('note')).toHaveCount(0); // no scopes missing for her
  await expect(page.locator('body')).toHaveAttribute('data-jp-theme-light', 'true');
  await section.screenshot({ path: path.join(screenshots, 'hub-alice.png') });

  // Her page's own token, straight to the hub's admin routes: refused there.
  const answers = await page.evaluate(async () => {
    const config = JSON.parse(document.getElementById('jupyter-config-data')!.textContent!);
    const call = async (route: string, init: RequestInit = {}) =>
      (
        await fetch(`${config.hubPrefix}api/${route}`, {
          ...init,
          headers: { Authorization: `token ${config.token}` }
        })
      ).status;
    return {
      self: await call('user'),
      addUsers: await call('users', {
        method: 'POST',
        body: JSON.stringify({ usernames: ['mallory'] })
      }),
      deleteAdmin: await call('users/admin', { method: 'DELETE' })
    };
  });
  expect(answers).toEqual({ self: 200, addUsers: 403, deleteAdmin: 403 });
  expect((await hubApi(request, 'GET', 'users/mallory')).status()).toBe(404);
});
