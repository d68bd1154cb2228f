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
 * What the specs of tests-hub/ share: the hub that hub-global-setup.js
 * started (no users but admin), logging in through its login page as a
 * person does, the tests' own admin service for setting the scene, and the
 * Hub section of the Kernel Manager sidebar.
 */

export interface IHubInfo {
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
export function hub(): IHubInfo {
  if (!info) {
    const file = process.env.KM_HUB_INFO;
    if (!file) {
      throw new Error(
        'KM_HUB_INFO is not set: run with playwright.hub.config.js'
      );
    }
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as IHubInfo;
  }
  return info;
}

/** Where the screenshots go (ui-tests/test-results/). */
export const screenshots = path.resolve(__dirname, '..', 'test-results');

// Starting a server: useradd (as root), then a JupyterLab server; the machine
// is shared.
export const SPAWN_TIMEOUT = 120 * 1000;
// A user's own default server, ready, in the section's list of their servers.
export const READY = /default server\W*ready/;
// The section asks the hub again every REFRESH_INTERVAL seconds here (the
// setting's default is 30), so that a kernel started behind its back shows
// without a click; and once more FOLLOW_UP_DELAY ms after a start or stop.
export const REFRESH_INTERVAL = 10;
export const FOLLOW_UP_DELAY = 3000;

export const test = galataTest.extend({
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

/** What every hub spec passes to `test.use`. */
export const HUB_OPTIONS = {
  // Log in, let the hub spawn the server, then JupyterLab: done by the tests.
  autoGoto: false,
  // The hub's user is the real one.
  mockUser: false,
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    'jupyterlab-kernel-manager:hub': { hubRefreshInterval: REFRESH_INTERVAL }
  }
};

/**
 * The hub's REST API as the tests' own admin service (not through the page).
 */
export function hubApi(
  request: APIRequestContext,
  method: string,
  route: string,
  data?: unknown
) {
  return request.fetch(`${hub().url}hub/api/${route}`, {
    method,
    headers: { Authorization: `token ${hub().service_token}` },
    data
  });
}

/**
 * `name` exists with their default server ready, made so through the hub's
 * API (creating the user and starting the server when needed).
 */
export async function ensureRunning(
  request: APIRequestContext,
  name: string
): Promise<void> {
  const created = await hubApi(request, 'POST', `users/${name}`);
  expect([201, 409]).toContain(created.status());
  const started = await hubApi(request, 'POST', `users/${name}/server`);
  // 400: it runs already.
  expect([201, 202, 400]).toContain(started.status());
  await expect
    .poll(
      async () => {
        const model = await (
          await hubApi(request, 'GET', `users/${name}`)
        ).json();
        return !!model.servers?.['']?.ready;
      },
      { timeout: SPAWN_TIMEOUT, intervals: [500] }
    )
    .toBe(true);
}

/** The Playwright page under Galata's fixture (left out of its type). */
export function playwrightPage(page: IJupyterLabPageFixture): Page {
  return (page as unknown as { page: Page }).page;
}

/**
 * Logs in through /hub/login and waits for the JupyterLab the hub starts.
 */
export async function logIn(
  page: IJupyterLabPageFixture,
  user: string
): Promise<void> {
  const password =
    user === hub().admin ? hub().admin_password : hub().user_password;
  // Galata's own goto waits for its helper extension, which the hub's servers
  // do not load: the Playwright page goes there.
  await playwrightPage(page).goto('hub/login');
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The hub spawns the server (its progress page), then sends us to it.
  await page.waitForURL(`**/user/${user}/lab**`, { timeout: SPAWN_TIMEOUT });
  await expect(page.locator('#jupyterlab-splash')).toHaveCount(0, {
    timeout: 60000
  });
}

/**
 * Opens the Kernel Manager sidebar with only its Hub section expanded, as a
 * user gives it the room; returns the section.
 */
export async function openHubSection(
  page: IJupyterLabPageFixture
): Promise<Locator> {
  await page.getByRole('tab', { name: 'Kernel Manager' }).click();
  const panel = page.locator('#jp-kernel-manager');
  await expect(panel).toBeVisible();
  for (const name of ['Kernels', 'Environments', 'Processes', 'Hub']) {
    const header = panel.getByRole('heading', { name: `${name} Section` });
    const expanded = (await header.getAttribute('aria-expanded')) === 'true';
    if (expanded !== (name === 'Hub')) {
      await header.click();
    }
    await expect(header).toHaveAttribute(
      'aria-expanded',
      String(name === 'Hub')
    );
  }
  const header = panel.getByRole('heading', { name: 'Hub Section' });
  const section = panel.locator(
    `#${await header.getAttribute('aria-controls')}`
  );
  await expect(section).toBeVisible();
  return section;
}

/**
 * Switches JupyterLab's theme from the Settings menu (kept in Galata's
 * in-memory settings only) and waits until it applies.
 */
export async function useTheme(
  page: IJupyterLabPageFixture,
  dark: boolean
): Promise<void> {
  const body = page.locator('body');
  if ((await body.getAttribute('data-jp-theme-light')) === String(!dark)) {
    return;
  }
  await page.getByRole('menuitem', { name: 'Settings' }).click();
  const menus = page.locator('.lm-Menu');
  await menus.getByText('Theme', { exact: true }).hover();
  await menus
    .getByText(dark ? 'JupyterLab Dark' : 'JupyterLab Light', { exact: true })
    .click();
  await expect(body).toHaveAttribute('data-jp-theme-light', String(!dark));
}

/**
 * How many lines the text of `element` takes on screen (line boxes of its
 * text, whatever its inner elements).
 */
export function linesOf(element: Locator): Promise<number> {
  return element.evaluate(node => {
    const range = document.createRange();
    range.selectNodeContents(node);
    const tops = new Set<number>();
    for (const rect of Array.from(range.getClientRects())) {
      if (rect.width > 0 && rect.height > 0) {
        tops.add(Math.round(rect.top));
      }
    }
    return tops.size;
  });
}

/**
 * The text of what reaches past the right edge of `table` (or of the content
 * box of the Hub section's body, when that is nearer), or is cut off inside
 * its own box.
 */
export function overflowOf(table: Locator): Promise<string[]> {
  return table.evaluate(element => {
    const body = element.closest('.jp-KernelManager-hub')!;
    const padding = parseFloat(getComputedStyle(body).paddingRight);
    const right = Math.min(
      element.getBoundingClientRect().right,
      body.getBoundingClientRect().right - padding
    );
    const past = Array.from(element.querySelectorAll('th, td, button, span'))
      .filter(child => child.getBoundingClientRect().right > right + 0.5)
      .map(child => `past the edge: ${child.textContent}`);
    const cut = Array.from(element.querySelectorAll('td, th'))
      .filter(cell => cell.scrollWidth > cell.clientWidth + 0.5)
      .map(cell => `cut off: ${cell.textContent}`);
    return [...past, ...cut];
  });
}

/**
 * Clicks a control of the Hub section. One that the user cannot bring into
 * view (the section does not scroll) is a soft failure, and is then pressed
 * from the keyboard, so that the rest of the test still runs.
 */
export async function activate(control: Locator): Promise<void> {
  let reachable = true;
  try {
    await control.click({ trial: true, timeout: 5000 });
  } catch {
    reachable = false;
  }
  expect
    .soft(
      reachable,
      `the Hub section does not let ${control} be scrolled to and clicked`
    )
    .toBe(true);
  if (reachable) {
    await control.click();
  } else {
    await control.focus();
    await control.press('Enter');
  }
}
