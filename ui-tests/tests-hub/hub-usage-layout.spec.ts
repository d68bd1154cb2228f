import { expect } from '@jupyterlab/galata';
import type { Route } from '@playwright/test';
import * as path from 'path';
import {
  ensureRunning,
  hub,
  HUB_OPTIONS,
  linesOf,
  logIn,
  openHubSection,
  overflowOf,
  screenshots,
  test,
  useTheme
} from './hub-helpers';

/**
 * The users table's "Using" figures in the 250 px sidebar, whatever they are:
 * two lines at most, nothing past the table's edge, nothing cut off. The hub,
 * the servers and the table are real; only the figures in the admin's
 * server's all-users process list are replaced (through `page.route`), since
 * the point is how the widest ones lie out. Scrollbars are shown, as on most
 * Linux and Windows desktops, where they take room from the sidebar.
 */

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { browserUse } = require('../playwright-shared');

test.use({
  ...HUB_OPTIONS,
  // Short enough that the Hub section scrolls.
  viewport: { width: 1280, height: 540 },
  launchOptions: {
    ...browserUse({}).launchOptions,
    // Playwright hides scrollbars in headless Chromium unless told not to.
    ignoreDefaultArgs: ['--hide-scrollbars']
  }
});

// Set by the global setup when no hub can start here (outside CI only).
test.skip(!!process.env.KM_HUB_SKIP, process.env.KM_HUB_SKIP);

interface IFigures {
  count: number;
  cpu_percent: number;
  rss_bytes: number;
  /** What the row shows, compact and in words. */
  compact: string;
  words: string;
}

const FIGURES: IFigures[] = [
  {
    count: 1,
    cpu_percent: 0,
    rss_bytes: 999e3,
    compact: '1 proc · 0% · 999 kB',
    words: '1 process, 0% CPU, 999 kB'
  },
  {
    // The figures a Galata run once saw wrap onto three lines.
    count: 2,
    cpu_percent: 28,
    rss_bytes: 181e6,
    compact: '2 proc · 28% · 181 MB',
    words: '2 processes, 28% CPU, 181 MB'
  },
  {
    count: 2,
    cpu_percent: 100,
    rss_bytes: 181e6,
    compact: '2 proc · 100% · 181 MB',
    words: '2 processes, 100% CPU, 181 MB'
  },
  {
    count: 2,
    cpu_percent: 3,
    rss_bytes: 12.3e9,
    compact: '2 proc · 3% · 12.3 GB',
    words: '2 processes, 3% CPU, 12.3 GB'
  },
  {
    count: 1024,
    cpu_percent: 3,
    rss_bytes: 181e6,
    compact: '1,024 proc · 3% · 181 MB',
    words: '1,024 processes, 3% CPU, 181 MB'
  },
  {
    count: 1024,
    cpu_percent: 100,
    rss_bytes: 12.3e9,
    compact: '1,024 proc · 100% · 12.3 GB',
    words: '1,024 processes, 100% CPU, 12.3 GB'
  },
  {
    // Nine cores busy, and memory just under a terabyte.
    count: 10240,
    cpu_percent: 900,
    rss_bytes: 999e9,
    compact: '10,240 proc · 900% · 999 GB',
    words: '10,240 processes, 900% CPU, 999 GB'
  }
];

/** The worst case, shown in both rows for the screenshots. */
const WORST = FIGURES[5];

test('the Using figures keep to two lines within the table, whatever they are', async ({
  page,
  request
}) => {
  await ensureRunning(request, 'alice');
  await logIn(page, hub().admin);

  // The figures each row shows next: admin's from the list's totals, alice's
  // from her Unix account's group in it (as on TLJH).
  const shown: { admin: IFigures; alice: IFigures } = {
    admin: FIGURES[0],
    alice: FIGURES[0]
  };
  const allUsers = /\/user\/admin\/kernel-manager\/processes\?all_users=1/;
  await page.route(allUsers, async (route: Route) => {
    const response = await route.fetch();
    const reply = await response.json();
    const { admin, alice } = shown;
    reply.totals = { ...reply.totals, ...totals(admin) };
    reply.users = (reply.users ?? []).filter(
      (group: { hub_user?: string }) => group.hub_user !== 'alice'
    );
    reply.users.push({
      user: 'alice',
      hub_user: 'alice',
      processes: [],
      ...totals(alice)
    });
    await route.fulfill({ response, json: reply });
  });

  const section = await openHubSection(page);
  const table = section.getByRole('table', { name: 'Hub users' });
  const row = (name: string) =>
    table
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name }) });
  const using = (name: string) => row(name).getByRole('cell').first();
  await expect(row('alice')).toHaveCount(1);
  // The section's toolbar, beside its heading.
  const refresh = page
    .locator('#jp-kernel-manager')
    .getByRole('button', { name: 'Refresh Hub' });

  // The sidebar's width, less a scrollbar: the section scrolls.
  const room = await section
    .locator('.jp-KernelManager-hub')
    .evaluate(body => ({
      width: body.getBoundingClientRect().width,
      scrollbar: body.offsetWidth - body.clientWidth
    }));
  test.info().annotations.push({
    type: 'room',
    description: `section body ${room.width} px, scrollbar ${room.scrollbar} px`
  });
  expect(room.width).toBeLessThanOrEqual(250);
  expect(
    room.scrollbar,
    'a scrollbar takes room from the section'
  ).toBeGreaterThan(0);

  const check = async (user: 'admin' | 'alice', figures: IFigures) => {
    const cell = using(user);
    await expect(cell).toHaveAccessibleName(figures.words);
    const figuresOnScreen = cell.locator('[aria-hidden="true"]');
    // (Non-breaking spaces count as spaces here.)
    await expect(figuresOnScreen).toHaveText(figures.compact);
    const lines = await linesOf(figuresOnScreen);
    expect(lines, `lines of “${figures.compact}”`).toBeLessThanOrEqual(2);
  };

  for (let i = 0; i < FIGURES.length; i++) {
    shown.admin = FIGURES[i];
    shown.alice = FIGURES[(i + 1) % FIGURES.length];
    await refresh.click({ timeout: 10000 });
    await check('admin', shown.admin);
    await check('alice', shown.alice);
    expect(await overflowOf(table), `with “${shown.admin.compact}”`).toEqual(
      []
    );
  }

  shown.admin = WORST;
  shown.alice = WORST;
  await refresh.click({ timeout: 10000 });
  await check('admin', WORST);
  await check('alice', WORST);
  // Short names stay whole: the admin badge goes under the name first.
  const cutNames = await table
    .locator('.jp-KernelManager-hubUserName')
    .evaluateAll(names =>
      names
        .filter(name => name.scrollWidth > name.clientWidth)
        .map(name => name.textContent)
    );
  expect(cutNames).toEqual([]);
  // The table at its end, as a user scrolls to it.
  await table.scrollIntoViewIfNeeded();
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-light',
    'true'
  );
  await section.screenshot({
    path: path.join(screenshots, 'hub-usage-widest.png')
  });
  await useTheme(page, true);
  expect(await overflowOf(table)).toEqual([]);
  await section.screenshot({
    path: path.join(screenshots, 'hub-usage-widest-dark.png')
  });
});

function totals(figures: IFigures) {
  return {
    count: figures.count,
    cpu_percent: figures.cpu_percent,
    rss_bytes: figures.rss_bytes
  };
}
