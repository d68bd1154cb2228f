import { expect, test } from '@jupyterlab/galata';

/**
 * Proves that both halves of the extension are installed in the server the
 * tests run against: the labextension (listed in the page config) and the
 * server extension (its REST route answers).
 */
test('the labextension and the server extension are installed', async ({
  page
}) => {
  const pageConfig = await page.evaluate(() =>
    JSON.parse(document.getElementById('jupyter-config-data')!.textContent!)
  );
  const extensions = (pageConfig.federated_extensions ?? []).map(
    (extension: { name: string }) => extension.name
  );
  expect(extensions).toContain('jupyterlab-kernel-manager');

  // Galata's server has no token and no XSRF check; send them anyway so the
  // request stays valid if that configuration changes.
  const xsrf = (await page.context().cookies()).find(
    cookie => cookie.name === '_xsrf'
  )?.value;
  const response = await page.request.get(
    `${pageConfig.baseUrl}kernel-manager/kernelspecs`,
    {
      headers: {
        ...(pageConfig.token
          ? { Authorization: `token ${pageConfig.token}` }
          : {}),
        ...(xsrf ? { 'X-XSRFToken': xsrf } : {})
      }
    }
  );
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('application/json');
});
