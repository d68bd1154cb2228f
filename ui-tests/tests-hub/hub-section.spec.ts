import { expect } from '@jupyterlab/galata';
import * as path from 'path';
import {
  activate,
  FOLLOW_UP_DELAY,
  hub,
  HUB_OPTIONS,
  hubApi,
  linesOf,
  logIn,
  openHubSection,
  overflowOf,
  READY,
  REFRESH_INTERVAL,
  screenshots,
  SPAWN_TIMEOUT,
  test,
  useTheme
} from './hub-helpers';

/**
 * The Hub section against a real JupyterHub (hub-global-setup.js starts it
 * with no users but admin). Each test logs in through the hub's login page,
 * as a person does, and the hub starts that user's JupyterLab; an admin adds,
 * starts, stops and deletes users, and a plain user sees none of that and is
 * refused by the hub itself.
 */

// A row's "Using" figures: in words for screen readers, and compact on screen.
const USING_WORDS = /^([\d,]+) process(es)?, \d+% CPU, [\d.]+ [kMG]?B$/;
const USING_COMPACT = /^[\d,]+\sproc\s· \d+%\s·\s[\d.]+\s[kMG]?B$/;

test.use(HUB_OPTIONS);

// Set by the global setup when no hub can start here (outside CI only).
test.skip(!!process.env.KM_HUB_SKIP, process.env.KM_HUB_SKIP);

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
  await expect(
    section.getByRole('list', { name: 'Servers of admin' })
  ).toContainText(READY);
  const table = section.getByRole('table', { name: 'Hub users' });
  const row = (name: string) =>
    table
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name }) });
  // The row header: name, admin badge, and the state of the default server,
  // which screen readers hear as "Server state: ...".
  const header = (name: string) => row(name).getByRole('rowheader');
  await expect(row('admin')).toHaveCount(1);
  await expect(table.getByRole('row')).toHaveCount(2); // header and admin
  await expect(header('admin')).toHaveAccessibleName(
    /^admin\s*admin\s*Server state: running$/
  );

  // The sort select says what it does, on screen and to screen readers.
  await expect(
    section.getByRole('combobox', { name: 'Sort by' })
  ).toBeVisible();
  await expect(section.getByText('Sort by', { exact: true })).toBeVisible();

  // alice and bob in one go, one name per line; the result line by line.
  const names = section.getByRole('textbox', {
    name: 'Add users, one per line'
  });
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
  const rowNames = () =>
    table
      .getByRole('rowheader')
      .evaluateAll(cells =>
        cells.map(
          cell =>
            cell.querySelector('.jp-KernelManager-hubUserName')?.textContent ??
            ''
        )
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
  expect
    .soft(scrolls, 'the mouse wheel scrolls the Hub section down to its pager')
    .toBe(true);
  await expect(header('alice')).toHaveAccessibleName(
    /^alice\s*Server state: stopped$/
  );
  await expect(
    row('alice').getByText('stopped', { exact: true })
  ).toBeVisible();

  // Start alice's server and see it become ready.
  await activate(
    row('alice').getByRole('button', { name: 'Start server of alice' })
  );
  await expect(header('alice')).toHaveAccessibleName(
    /^alice\s*Server state: running$/,
    {
      timeout: SPAWN_TIMEOUT
    }
  );
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
  await expect(using('alice')).toHaveAccessibleName(
    /^([2-9]|\d\d+) processes, /,
    {
      timeout: REFRESH_INTERVAL * 1000 + 20000
    }
  );
  await expect(using('alice')).toHaveAccessibleName(USING_WORDS);
  await expect(using('alice').locator('[aria-hidden="true"]')).toHaveText(
    USING_COMPACT
  );

  // In the 250 px sidebar: the admin badge on the name's line, the figures
  // on two lines at most.
  const name = (await row('admin')
    .getByRole('button', { name: 'admin', exact: true })
    .boundingBox())!;
  const badge = (await row('admin')
    .locator('.jp-KernelManager-badge')
    .boundingBox())!;
  expect(badge.x).toBeGreaterThan(name.x + name.width - 1);
  expect(
    Math.abs(badge.y + badge.height / 2 - (name.y + name.height / 2))
  ).toBeLessThan(4);
  for (const user of ['admin', 'alice']) {
    const lines = await linesOf(using(user).locator('[aria-hidden="true"]'));
    expect(lines, `lines of the figures of ${user}`).toBeLessThanOrEqual(2);
  }
  expect((await section.boundingBox())!.width).toBeLessThanOrEqual(250);
  // Nothing reaches past the table's right edge, nor the table past the
  // section's content box (hub-usage-layout.spec.ts tries the widest figures).
  expect(await overflowOf(table)).toEqual([]);
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-light',
    'true'
  );
  await section.screenshot({ path: path.join(screenshots, 'hub-admin.png') });
  await useTheme(page, true);
  await section.screenshot({
    path: path.join(screenshots, 'hub-admin-dark.png')
  });

  // Stop it (a confirm dialog), and it is stopped, using nothing.
  await activate(
    row('alice').getByRole('button', { name: 'Stop server of alice' })
  );
  const stopDialog = page.getByRole('dialog');
  await expect(stopDialog).toContainText('alice');
  await stopDialog.getByRole('button', { name: 'Stop' }).click();
  await expect(header('alice')).toHaveAccessibleName(
    /^alice\s*Server state: stopped$/,
    {
      timeout: SPAWN_TIMEOUT
    }
  );
  // Nothing runs any more, and the section says so without a click on
  // Refresh: her kernel outlives the server by a second or two (it notices
  // its parent is gone), but a stopped server shows no figures, and the
  // section asks again FOLLOW_UP_DELAY after the stop.
  await expect(using('alice')).toHaveText('', {
    timeout: FOLLOW_UP_DELAY + 3000
  });
  expect(
    (await (await hubApi(request, 'GET', 'users/alice')).json()).servers
  ).toEqual({});

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
  await expect(
    servers.getByRole('button', { name: 'Stop default server of alice' })
  ).toBeVisible();
  // Loaded (her servers are listed), and nothing for admins.
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
  await expect(section.getByRole('note')).toHaveCount(0); // no scopes missing for her
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-light',
    'true'
  );
  await section.screenshot({ path: path.join(screenshots, 'hub-alice.png') });

  // Her page's own token, straight to the hub's admin routes: refused there.
  const answers = await page.evaluate(async () => {
    const config = JSON.parse(
      document.getElementById('jupyter-config-data')!.textContent!
    );
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
