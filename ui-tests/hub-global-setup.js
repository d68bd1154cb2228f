/**
 * Global setup of the hub's Galata tests (playwright.hub.config.js): starts a
 * real JupyterHub with tests/hub/hub_launcher.py, with no users but admin, on
 * free ports, and waits until it answers. hub-global-teardown.js stops it.
 *
 * The tests find the hub through $KM_HUB_INFO, the launcher's JSON (URL,
 * passwords, service token). Without configurable-http-proxy or node the
 * hub cannot start: outside CI the tests are then skipped ($KM_HUB_SKIP holds
 * why), in CI ($CI set) the run fails, as the pytest hub tests do.
 */
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const hubRun = require('./hub-run');

// The first run as root builds the servers' shared venv in /var/tmp.
const START_TIMEOUT_MS = 300 * 1000;
const CANNOT_START = 3; // hub_launcher.py --check

/**
 * Run directories of runners that were killed before their teardown (the
 * launcher stopped the hub by itself, see --stop-with-parent).
 */
function removeLeftovers() {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const match = /^km-ui-hub-(\d+)-/.exec(name);
    if (match && !hubRun.alive(Number(match[1]))) {
      fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
  }
}

module.exports = async function globalSetup() {
  const check = spawnSync(hubRun.python, [hubRun.launcher, '--check'], {
    cwd: hubRun.root,
    encoding: 'utf8'
  });
  if (check.status === CANNOT_START) {
    const reason = check.stderr.trim();
    if (process.env.CI) {
      throw new Error(`The hub tests cannot run: ${reason}`);
    }
    process.env.KM_HUB_SKIP = reason;
    console.log(
      `\n[hub] SKIPPING the hub's Galata tests: ${reason}\n` +
        '[hub] (in CI, with $CI set, this is a failure)\n'
    );
    return;
  }
  if (check.status !== 0) {
    throw new Error(
      `${hubRun.launcher} --check failed (${check.status ?? check.signal}):\n` +
        `${check.stdout}${check.stderr}`
    );
  }

  removeLeftovers();
  const dir = fs.mkdtempSync(
    path.join(os.tmpdir(), `km-ui-hub-${process.pid}-`)
  );
  const infoFile = path.join(dir, 'hub.json');
  fs.mkdirSync(hubRun.logDir, { recursive: true });
  const logFile = path.join(hubRun.logDir, 'launcher.log');
  const log = fs.openSync(logFile, 'w');
  // --stop-with-parent: the hub stops even when this runner is killed.
  const launcher = spawn(
    hubRun.python,
    [
      hubRun.launcher,
      '--port',
      '0',
      '--users',
      '',
      '--info-file',
      infoFile,
      '--stop-with-parent'
    ],
    { cwd: hubRun.root, stdio: ['ignore', log, log] }
  );
  fs.closeSync(log);
  process.env.KM_HUB_LAUNCHER_PID = String(launcher.pid);
  process.env.KM_HUB_DIR = dir;
  process.env.KM_HUB_INFO = infoFile;

  let exited = null;
  launcher.once('exit', (code, signal) => {
    exited = code ?? signal;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!fs.existsSync(infoFile)) {
    if (exited !== null || Date.now() > deadline) {
      const why =
        exited !== null
          ? `exited (${exited})`
          : `not up after ${START_TIMEOUT_MS / 1000} s`;
      await hubRun.stop();
      throw new Error(
        `The test hub ${why}; launcher output (${logFile}):\n` +
          hubRun.tail(logFile)
      );
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  const info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
  process.env.KM_HUB_LOG = info.log;
  console.log(
    `[hub] JupyterHub ${info.version} at ${info.url} (launcher pid ${launcher.pid}; ` +
      `logs in ${path.relative(process.cwd(), hubRun.logDir)}/)`
  );
};
