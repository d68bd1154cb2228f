/**
 * Playwright configuration for the Galata browser tests.
 *
 * Playwright starts its own `jupyter lab` (webServer below) from the project's
 * .venv, on a dedicated port so that a development server on 8888 is never
 * mistaken for the test server. Run scripts/setup.sh (or scripts/test.sh) first.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const { browserUse, reporters } = require('./playwright-shared');

const port = Number(process.env.KM_UI_TEST_PORT || 8899);
const venvBin = path.resolve(__dirname, '..', '.venv', 'bin');
const jupyter = path.join(venvBin, 'jupyter');
if (!fs.existsSync(jupyter)) {
  throw new Error(`${jupyter} is missing: run scripts/setup.sh first`);
}

// Per-user Jupyter data the tests create (kernelspecs in <dir>/kernels, ...)
// goes to a throwaway directory instead of the real home. Set here, before
// the workers start, so the server and every test see the same directory.
if (!process.env.KM_TEST_DATA_DIR) {
  process.env.KM_TEST_DATA_DIR = fs.mkdtempSync(
    path.join(os.tmpdir(), 'km-ui-tests-')
  );
}
const dataDir = process.env.KM_TEST_DATA_DIR;
// The server's own temporary files (Galata's root_dir and workspaces, kernels'
// files) go there too, so that deleting the directory cleans everything up.
const serverTmp = path.join(dataDir, 'tmp');
fs.mkdirSync(serverTmp, { recursive: true });
// A home of its own: Jupyter Server deletes files to the trash of $HOME
// (~/.local/share/Trash), and nothing may reach the real home. Package caches
// stay the user's own, warm, as they are for a real user.
const serverHome = path.join(dataDir, 'home');
fs.mkdirSync(serverHome, { recursive: true });
const cacheHome =
  process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');

module.exports = {
  ...baseConfig,
  // The specs of this run only: tests-hub/ needs the hub of its own config.
  testDir: 'tests',
  forbidOnly: !!process.env.CI,
  outputDir: 'test-results',
  reporter: reporters('playwright-report', 'KM_PLAYWRIGHT_JSON'),
  use: browserUse(baseConfig.use, { baseURL: `http://localhost:${port}` }),
  webServer: {
    command: `"${jupyter}" lab --config jupyter_server_test_config.py --ServerApp.port=${port}`,
    url: `http://localhost:${port}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: false,
    env: {
      PATH: `${venvBin}${path.delimiter}${process.env.PATH}`,
      JUPYTER_DATA_DIR: dataDir,
      JUPYTER_CONFIG_DIR: path.join(dataDir, 'config'),
      KM_TEST_DATA_DIR: dataDir,
      TMPDIR: serverTmp,
      HOME: serverHome,
      UV_CACHE_DIR: process.env.UV_CACHE_DIR || path.join(cacheHome, 'uv'),
      PIP_CACHE_DIR: process.env.PIP_CACHE_DIR || path.join(cacheHome, 'pip'),
      KM_UI_TEST_PORT: String(port)
    }
  }
};
