import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

/**
 * Reproducible environments against a real `jupyter lab`: an environment is
 * exported into the file browser's folder through its row's context menu,
 * and a new one is created from that file through the file browser's.
 */

test.setTimeout(240 * 1000);

async function api(
  page: IJupyterLabPageFixture,
  method: string,
  route: string,
  body?: unknown
): Promise<any> {
  return page.evaluate(
    async ({ method, route, body }) => {
      const settings = (window as any).jupyterapp.serviceManager.serverSettings;
      const xsrf = document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? '';
      const reply = await fetch(`${settings.baseUrl}kernel-manager/${route}`, {
        method,
        headers: { 'Content-Type': 'application/json', 'X-XSRFToken': xsrf },
        body: body === undefined ? undefined : JSON.stringify(body)
      });
      return { status: reply.status, body: await reply.json() };
    },
    { method, route, body }
  );
}

async function waitForJob(page: IJupyterLabPageFixture, id: string) {
  for (;;) {
    const reply = await api(page, 'GET', `jobs/${id}`);
    if (reply.body.state !== 'running') {
      return reply.body;
    }
    await page.waitForTimeout(300);
  }
}

function versions(reply: any): Record<string, string> {
  return Object.fromEntries(
    reply.body.packages.map((p: any) => [p.name.toLowerCase(), p.version])
  );
}

test('export an environment into the folder, then create a new one from that file', async ({
  page,
  tmpPath
}) => {
  const source = 'repro-src';
  const copy = 'repro-copy';
  const started = await api(page, 'POST', 'environments', {
    name: source,
    backend: 'uv',
    packages: ['iniconfig==2.0.0']
  });
  expect(started.status).toBe(202);
  expect((await waitForJob(page, started.body.job)).state).toBe('succeeded');

  await page.keyboard.press('Alt+Shift+K');
  const panel = page.locator('#jp-kernel-manager');
  const row = panel.locator(`[data-environment-name="${source}"]`);
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute(
      'kernel-manager:refresh-environments'
    )
  );
  await expect(row).toBeVisible();

  // Export through the row's context menu: the format, then where.
  await row.click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Export…' }).click();
  let dialog = page.getByRole('dialog');
  await dialog.locator('select').selectOption('requirements.txt');
  await dialog.getByRole('button', { name: 'OK' }).click();
  dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('file browser’s folder');
  await dialog.getByRole('button', { name: 'Save' }).click();
  const filename = `requirements-${source}.txt`;
  await expect
    .poll(
      () => page.filebrowser.contents.fileExists(`${tmpPath}/${filename}`),
      {
        timeout: 30000
      }
    )
    .toBe(true);

  // The file browser's context menu on that file opens the form with it.
  await page.sidebar.openTab('filebrowser');
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('filebrowser:refresh')
  );
  const item = page.locator('.jp-DirListing-item', { hasText: filename });
  await item.click({ button: 'right' });
  await page
    .getByRole('menuitem', { name: 'Create Environment from This File…' })
    .click();
  const form = page.getByRole('dialog');
  await expect(form).toContainText(`${filename} (requirements.txt`);
  await form.getByRole('textbox', { name: 'Name', exact: true }).fill(copy);
  await form.getByRole('button', { name: 'Create' }).click();

  await page.keyboard.press('Alt+Shift+K');
  const copied = panel.locator(`[data-environment-name="${copy}"]`);
  await expect(copied).toBeVisible({ timeout: 30000 });
  await expect(copied).toContainText('uv', { timeout: 180000 });
  await expect
    .poll(async () => (await api(page, 'GET', 'jobs')).body.jobs[0].state, {
      timeout: 180000
    })
    .toBe('succeeded');
  await expect(copied).not.toContainText('Not working');
  const [before, after] = [
    versions(await api(page, 'GET', `environments/${source}/packages`)),
    versions(await api(page, 'GET', `environments/${copy}/packages`))
  ];
  expect(after).toEqual(before);
  expect(after['iniconfig']).toBe('2.0.0');

  for (const name of [source, copy]) {
    expect((await api(page, 'DELETE', `environments/${name}`)).status).toBe(
      200
    );
  }
});
