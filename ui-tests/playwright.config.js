/**
 * Playwright configuration for the Galata browser tests.
 *
 * Playwright starts its own `jupyter lab` servers (webServer below) from the
 * project's .venv, on dedicated ports so that a development server on 8888 is
 * never mistaken for a test server: the `lab` project (tests/) runs against
 * the first, on 8899, and the `plugins-off` project (tests-plugins-off/)
 * against the second, on 8900, whose configuration disables some of the
 * extension's plugins and server routes. Run scripts/setup.sh (or
 * scripts/test.sh) first.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const { browserUse, reporters } = require('./playwright-shared');

const port = Number(process.env.KM_UI_TEST_PORT || 8899);
// The second server (tests-plugins-off/): some plugins and routes turned off.
const pluginsOffPort = Number(
  process.env.KM_UI_TEST_PLUGINS_OFF_PORT || port + 1
);
const venvBin = path.resolve(__dirname, '..', '.venv', 'bin');
const jupyter = path.join(venvBin, 'jupyter');
if (!fs.existsSync(jupyter)) {
  throw new Error(`${jupyter} is missing: run scripts/setup.sh first`);
}

// Per-user Jupyter data the tests create (kernelspecs in <dir>/kernels, ...)
// goes to a throwaway directory instead of the real home. Set here, before
// the workers start, so the server and every test see the same directory.
if (!process.env.KM_TEST_DATA_DIR) {
  const made = fs.mkdtempSync(path.join(os.tmpdir(), 'km-ui-tests-'));
  process.env.KM_TEST_DATA_DIR = made;
  // Removed when the run ends, by the process that made it (workers load this
  // file too, with the variable already set).
  process.on('exit', () => fs.rmSync(made, { recursive: true, force: true }));
}
const dataDir = process.env.KM_TEST_DATA_DIR;
// The servers' own temporary files (Galata's root_dir and workspaces,
// kernels' files) go there too, so that deleting the directory cleans
// everything up. A home of their own: Jupyter Server deletes files to the
// trash of $HOME (~/.local/share/Trash), and nothing may reach the real home.
// Package caches stay the user's own, warm, as they are for a real user.
const cacheHome =
  process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');

/**
 * A `jupyter lab` of the server configuration `configFile` on `serverPort`,
 * whose per-user data, temporary files and home are under `dir` (created
 * here), with the Jupyter configuration directory `configDir`.
 */
function labServer(serverPort, dir, configDir, configFile, extraEnv = {}) {
  const tmp = path.join(dir, 'tmp');
  const home = path.join(dir, 'home');
  fs.mkdirSync(tmp, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  return {
    command: `"${jupyter}" lab --config ${configFile} --ServerApp.port=${serverPort}`,
    url: `http://localhost:${serverPort}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: false,
    env: {
      PATH: `${venvBin}${path.delimiter}${process.env.PATH}`,
      JUPYTER_DATA_DIR: dir,
      JUPYTER_CONFIG_DIR: configDir,
      KM_TEST_DATA_DIR: dir,
      TMPDIR: tmp,
      HOME: home,
      UV_CACHE_DIR: process.env.UV_CACHE_DIR || path.join(cacheHome, 'uv'),
      PIP_CACHE_DIR: process.env.PIP_CACHE_DIR || path.join(cacheHome, 'pip'),
      KM_UI_TEST_PORT: String(serverPort),
      ...extraEnv
    }
  };
}

/**
 * Resident memory of this user's processes now, in bytes: what the
 * Processes section counts against the user's limit (every process of the
 * server's user, the browser and this runner included).
 */
function ownResidentBytes() {
  const uid = process.getuid();
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const owner = /^Uid:\s+(\d+)/m.exec(status);
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (owner && rss && Number(owner[1]) === uid) {
        total += Number(rss[1]) * 1024;
      }
    } catch {
      // Ended while being read.
    }
  }
  return total;
}

// The limit the memory warning is tested against (tests/memory-pressure.spec.ts):
// a hub's MEM_LIMIT, set a little above what this user uses now, so that a
// notebook crosses it by allocating hundreds of MB, not tens of GB. The browser
// starts later and takes part of the headroom; the test reads the usage and
// the limit the server reports and sets its warning threshold from them.
const MEM_LIMIT_HEADROOM = 4 * 1024 ** 3;
if (!process.env.KM_UI_TEST_MEM_LIMIT) {
  process.env.KM_UI_TEST_MEM_LIMIT = String(
    ownResidentBytes() + MEM_LIMIT_HEADROOM
  );
}

/**
 * The plugins-off server: two frontend plugins disabled as an administrator
 * would, in <config dir>/labconfig/page_config.json (what `jupyter
 * labextension disable --level=user ...` writes there), and a part of the
 * REST API switched off by its server configuration file.
 */
const pluginsOffDir = path.join(dataDir, 'plugins-off');
const pluginsOffConfig = path.join(pluginsOffDir, 'config');
fs.mkdirSync(path.join(pluginsOffConfig, 'labconfig'), { recursive: true });
fs.writeFileSync(
  path.join(pluginsOffConfig, 'labconfig', 'page_config.json'),
  JSON.stringify(
    {
      disabledExtensions: {
        'jupyterlab-kernel-manager:hub': true,
        'jupyterlab-kernel-manager:environments': true
      }
    },
    null,
    2
  )
);

module.exports = {
  ...baseConfig,
  forbidOnly: !!process.env.CI,
  outputDir: 'test-results',
  reporter: reporters('playwright-report', 'KM_PLAYWRIGHT_JSON'),
  // The specs share their server (its kernels, its kernelspecs directory, the
  // processes it counts): one at a time.
  workers: 1,
  use: browserUse(baseConfig.use, { baseURL: `http://localhost:${port}` }),
  // Each project has its own testDir: tests-hub/ needs the hub of its own
  // configuration (playwright.hub.config.js).
  projects: [
    { name: 'lab', testDir: 'tests' },
    {
      name: 'plugins-off',
      testDir: 'tests-plugins-off',
      use: { baseURL: `http://localhost:${pluginsOffPort}` }
    }
  ],
  // Both start before the first test, in parallel, and stop after the last.
  webServer: [
    labServer(
      port,
      dataDir,
      path.join(dataDir, 'config'),
      'jupyter_server_test_config.py',
      { MEM_LIMIT: process.env.KM_UI_TEST_MEM_LIMIT }
    ),
    labServer(
      pluginsOffPort,
      pluginsOffDir,
      pluginsOffConfig,
      'jupyter_server_plugins_off_config.py'
    )
  ]
};
