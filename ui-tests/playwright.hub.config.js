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
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report/hub' }],
    // scripts/test.sh reads the counts from this file.
    ...(process.env.KM_PLAYWRIGHT_HUB_JSON
      ? [['json', { outputFile: process.env.KM_PLAYWRIGHT_HUB_JSON }]]
      : [])
  ],
  use: {
    ...baseConfig.use,
    // As in playwright.config.js: no video (it needs Playwright's ffmpeg
    // download) and Debian's Chromium.
    video: 'off',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.KM_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  }
};
