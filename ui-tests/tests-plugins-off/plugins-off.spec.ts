import { expect, test } from '@jupyterlab/galata';

/**
 * The extension with parts of it turned off, against the second server of
 * playwright.config.js (project `plugins-off`), configured as an
 * administrator would:
 * - <config dir>/labconfig/page_config.json disables the frontend plugins
 *   `jupyterlab-kernel-manager:hub` and `jupyterlab-kernel-manager:environments`
 *   (what `jupyter labextension disable --level=user` writes);
 * - its server configuration (jupyter_server_plugins_off_config.py) sets
 *   `c.KernelManagerConfig.disabled_routes = ["processes"]`.
 * What is left works, what is off is absent or says so, and nothing logs an
 * error.
 */

const DISABLED_PLUGINS = [
  'jupyterlab-kernel-manager:hub',
  'jupyterlab-kernel-manager:environments'
];
const SWITCHED_OFF = /switched off on this server/i;

// The listeners must be there before JupyterLab loads.
test.use({ autoGoto: false });

test('without the hub and environments plugins and the processes route, the rest works with no error', async ({
  page
}) => {
  const errors: string[] = [];
  // A switched-off route answers 404 by design, and Chromium logs every 404
  // of a request as an error of its own ("Failed to load resource"): those
  // of the switched-off route are expected, any other is not.
  const switchedOffRoute = /\/kernel-manager\/processes(\?|\/|$)/;
  page.on('console', message => {
    if (message.type() !== 'error') {
      return;
    }
    const url = message.location().url;
    if (
      /^Failed to load resource: .* 404/.test(message.text()) &&
      switchedOffRoute.test(url)
    ) {
      test.info().annotations.push({ type: 'expected 404', description: url });
      return;
    }
    errors.push(`console.error: ${message.text()} (${url})`);
  });
  page.on('pageerror', error =>
    errors.push(`pageerror: ${error.stack ?? error.message}`)
  );

  await page.goto();

  // The server took both settings.
  const pageConfig = await page.evaluate(() =>
    JSON.parse(document.getElementById('jupyter-config-data')!.textContent!)
  );
  expect(pageConfig.disabledExtensions).toEqual(
    expect.arrayContaining(DISABLED_PLUGINS)
  );
  const processes = await page.request.get('kernel-manager/processes');
  expect(processes.status()).toBe(404);
  expect(await processes.json()).toMatchObject({ reason: 'switched-off' });

  // The sidebar opens, with its Kernels section, which lists kernels.
  await page.sidebar.openTab('jp-kernel-manager');
  const panel = page.locator('#jp-kernel-manager');
  await expect(panel).toBeVisible();
  const kernels = panel.getByRole('treegrid', { name: 'Kernels' });
  const python = kernels.getByRole('row', { name: /^Python 3/ });
  await expect(python).toBeVisible();
  await python.click();
  await expect(python).toHaveAttribute('aria-selected', 'true');

  // No Environments section (nor a Hub one: this is no hub anyway).
  await expect(
    panel.getByRole('heading', { name: 'Kernels Section' })
  ).toBeVisible();
  await expect(
    panel.getByRole('heading', { name: 'Environments Section' })
  ).toHaveCount(0);
  await expect(panel.getByRole('heading', { name: 'Hub Section' })).toHaveCount(
    0
  );

  // The Processes section says its route is switched off, as no error.
  const header = panel.getByRole('heading', { name: 'Processes Section' });
  if ((await header.getAttribute('aria-expanded')) !== 'true') {
    await header.click();
  }
  const section = panel.locator(
    `#${await header.getAttribute('aria-controls')}`
  );
  await expect(section).toContainText(SWITCHED_OFF);
  await expect(section.getByRole('alert')).toHaveCount(0);

  expect(errors, `errors on the page:\n${errors.join('\n')}`).toEqual([]);
});
