import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';

/**
 * Accessibility checks shared by the lab specs (tests/) and the hub specs
 * (tests-hub/): axe-core against WCAG 2.1 levels A and AA, scoped to what the
 * extension renders (its sidebar panel, its dialog, its status bar item), so
 * that a failure is about this extension and not about JupyterLab around it.
 */

/** WCAG 2.0 and 2.1, levels A and AA: axe's tags for them. */
/** One rule's violation, as axe reports it. */
type Result = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const AXE_STYLE_ID = 'km-axe-full-height';

/** The Kernel Manager sidebar panel. */
export const PANEL = '#jp-kernel-manager';
/** The open JupyterLab dialog (attached to the body, outside the panel). */
export const DIALOG = '.jp-Dialog';
/** The Kernel Manager's memory item in the status bar. */
export const MEMORY_STATUS = '.jp-KernelManager-memoryStatus';

export const LIGHT = 'JupyterLab Light';
export const DARK = 'JupyterLab Dark';

/**
 * The Playwright page under Galata's fixture (a proxy that AxeBuilder cannot
 * drive); a plain Playwright page is returned as it is.
 */
export function rawPage(page: Page): Page {
  return ((page as unknown as { page?: Page }).page ?? page) as Page;
}

/**
 * Switches JupyterLab's theme with the `apputils:change-theme` command (kept
 * in Galata's in-memory settings only) and waits until it applies. Where
 * the application is not exposed to the page (a hub's servers do not load
 * Galata's helper), the Settings › Theme menu runs the same command.
 */
export async function changeTheme(page: Page, theme: string): Promise<void> {
  const raw = rawPage(page);
  const body = raw.locator('body');
  if ((await body.getAttribute('data-jp-theme-name')) !== theme) {
    const ran = await raw.evaluate(async name => {
      const app = (window as any).jupyterapp;
      if (!app) {
        return false;
      }
      await app.commands.execute('apputils:change-theme', { theme: name });
      return true;
    }, theme);
    if (!ran) {
      await raw.getByRole('menuitem', { name: 'Settings' }).click();
      const menus = raw.locator('.lm-Menu');
      await menus.getByText('Theme', { exact: true }).hover();
      await menus.getByText(theme, { exact: true }).click();
    }
  }
  await expect(body).toHaveAttribute('data-jp-theme-name', theme);
  // JupyterLab shows its splash screen while a theme loads: a screenshot or
  // a scan taken before it fades out would be of the splash.
  await expect(raw.locator('#jupyterlab-splash')).toHaveCount(0);
  // The theme's stylesheet is in; let the page restyle before measuring.
  await raw.evaluate(
    () =>
      new Promise(resolve =>
        requestAnimationFrame(() => requestAnimationFrame(resolve))
      )
  );
}

/** One offending node: where, what, and axe's explanation. */
function describeNode(node: Result['nodes'][number]): string {
  const target = node.target.map(part => JSON.stringify(part)).join(' > ');
  const html =
    node.html.length > 300 ? `${node.html.slice(0, 300)}…` : node.html;
  const why = (node.failureSummary ?? '').replace(/\s*\n\s*/g, ' ');
  return `    at ${target}\n       ${html}\n       ${why}`;
}

/** A violation as text: rule id, impact, help, each node. */
export function describeViolation(violation: Result): string {
  return [
    `[${violation.impact ?? 'no impact'}] ${violation.id}: ${violation.help} (${violation.helpUrl})`,
    ...violation.nodes.map(describeNode)
  ].join('\n');
}

/**
 * Runs axe (WCAG 2.1 A and AA) on the elements matching `include` and
 * returns its violations; the full results go to the test's attachments.
 */
export async function axeViolations(
  page: Page,
  label: string,
  include: string | string[]
): Promise<Result[]> {
  const raw = rawPage(page);
  for (const selector of [include].flat()) {
    await expect(
      raw.locator(selector).first(),
      `${label}: ${selector} is shown`
    ).toBeVisible();
  }
  // Legacy mode: axe.run() in the page itself, not runPartial() in each frame
  // and finishRun() in a new blank page, which takes a second more per scan;
  // nothing the extension shows is in an iframe.
  let builder = new AxeBuilder({ page: raw })
    .withTags(WCAG_TAGS)
    .setLegacyMode();
  for (const selector of [include].flat()) {
    builder = builder.include(selector);
  }
  // JupyterLab's <html> and <body> are 0 px high (everything in them is
  // absolutely positioned) and the body is `overflow: hidden`; axe takes that
  // for an ancestor that clips everything, counts every text as off screen,
  // and then checks no colour contrast at all. At the viewport's height they
  // lay out the same (the body's overflow applies to the viewport either way).
  await raw.evaluate(id => {
    if (!document.getElementById(id)) {
      const style = document.createElement('style');
      style.id = id;
      style.textContent = 'html, body { height: 100%; }';
      document.head.appendChild(style);
    }
  }, AXE_STYLE_ID);
  let results: Awaited<ReturnType<AxeBuilder['analyze']>>;
  const start = Date.now();
  try {
    results = await builder.analyze();
  } finally {
    await raw.evaluate(
      id => document.getElementById(id)?.remove(),
      AXE_STYLE_ID
    );
  }
  await test.info().attach(`axe ${label}.json`, {
    body: JSON.stringify(
      {
        durationMs: Date.now() - start,
        violations: results.violations,
        incomplete: results.incomplete,
        // What was checked, and on how many nodes.
        passes: results.passes.map(rule => `${rule.id} (${rule.nodes.length})`)
      },
      null,
      1
    ),
    contentType: 'application/json'
  });
  return results.violations;
}

/**
 * Expects no WCAG 2.1 A/AA violation in `include`; soft, so that one test
 * reports every scan that fails, each with its rules, impacts and nodes.
 */
export async function expectAccessible(
  page: Page,
  label: string,
  include: string | string[]
): Promise<void> {
  const violations = await axeViolations(page, label, include);
  // The rules compared (short), the nodes in the message (long).
  expect
    .soft(
      violations.map(
        violation =>
          `[${violation.impact}] ${violation.id} (${violation.nodes.length} node(s))`
      ),
      `${label}: ${violations.length} axe violation(s) of WCAG 2.1 A/AA:\n\n` +
        `${violations.map(describeViolation).join('\n\n')}\n`
    )
    .toEqual([]);
}

/**
 * Screenshots `include` (to `<shot>-light.png` and `<shot>-dark.png` in the
 * test's output) and scans it, in the light theme and then in the dark one;
 * back in the light theme after.
 */
export async function lookInBothThemes(
  page: Page,
  what: string,
  include: string,
  shot: string
): Promise<void> {
  for (const [theme, suffix] of [
    [LIGHT, 'light'],
    [DARK, 'dark']
  ]) {
    await changeTheme(page, theme);
    await rawPage(page)
      .locator(include)
      .first()
      .screenshot({ path: test.info().outputPath(`${shot}-${suffix}.png`) });
    await expectAccessible(page, `${what}, ${suffix}`, include);
  }
  await changeTheme(page, LIGHT);
}
