/**
 * Playwright configuration of the Galata tests against a real JupyterHub
 * (tests-hub/). The global setup starts the hub with tests/hub/hub_launcher.py
 * from the project's .venv, on free ports, and the global teardown stops it;
 * there is no webServer: each test logs in through the hub's login page and
 * the hub starts that user's JupyterLab.
 *
 * Each configuration has its own testDir (tests/ for playwright.config.js),
 * so that the lab run never takes these specs, which need a hub.
 */
const fs = require('fs');
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');
const { browserUse, reporters } = require('./playwright-shared');

const python = path.resolve(__dirname, '..', '.venv', 'bin', 'python');
if (!fs.existsSync(python)) {
  throw new Error(`${python} is missing: run scripts/setup.sh first`);
}

module.exports = {
  ...baseConfig,
  testDir: 'tests-hub',
  testMatch: '**/*.spec.ts',
  globalSetup: require.resolve('./hub-global-setup'),
  globalTeardown: require.resolve('./hub-global-teardown'),
  // One hub, whose users the tests add, start and delete: one at a time.
  workers: 1,
  fullyParallel: false,
  // Logging in spawns a server; starting another user's is part of a test.
  timeout: 240 * 1000,
  forbidOnly: !!process.env.CI,
  // Beside the other run's results, never over them.
  outputDir: 'test-results/hub',
  reporter: reporters('playwright-report/hub', 'KM_PLAYWRIGHT_HUB_JSON'),
  use: browserUse(baseConfig.use)
};
