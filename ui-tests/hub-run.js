/**
 * What the hub's global setup and teardown share: where the launcher is, and
 * how the hub it started is stopped (by the launcher's pid, kept in the
 * environment, so that it works whichever process runs the teardown).
 */
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
// Where the launcher's output and a copy of the hub's log end up (the hub's
// own directory goes when it stops).
const logDir = path.join(__dirname, 'test-results', 'hub-logs');
// The launcher waits up to 45 s for the hub to stop its servers, then kills.
const STOP_TIMEOUT_MS = 90 * 1000;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function waitGone(pid, ms) {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  return true;
}

/**
 * Stops the launcher (which stops the hub, the servers and the proxy, and
 * removes the run's Unix accounts) and removes the run's directory.
 */
async function stop() {
  const pid = Number(process.env.KM_HUB_LAUNCHER_PID);
  if (pid) {
    if (process.env.KM_HUB_LOG) {
      try {
        fs.mkdirSync(logDir, { recursive: true });
        fs.copyFileSync(
          process.env.KM_HUB_LOG,
          path.join(logDir, 'jupyterhub.log')
        );
      } catch (error) {
        console.warn(`[hub] could not keep the hub's log: ${error.message}`);
      }
    }
    try {
      process.kill(pid, 'SIGTERM');
    } catch (error) {
      // Already gone (Ctrl-C reaches it as well).
    }
    if (!(await waitGone(pid, STOP_TIMEOUT_MS))) {
      console.warn(`[hub] launcher ${pid} did not stop: killing it`);
      try {
        process.kill(pid, 'SIGKILL'); // its hub gets SIGTERM (PR_SET_PDEATHSIG)
      } catch (error) {
        // Gone meanwhile.
      }
    }
  }
  if (process.env.KM_HUB_DIR) {
    fs.rmSync(process.env.KM_HUB_DIR, { recursive: true, force: true });
  }
  for (const name of [
    'KM_HUB_LAUNCHER_PID',
    'KM_HUB_DIR',
    'KM_HUB_INFO',
    'KM_HUB_LOG'
  ]) {
    delete process.env[name];
  }
}

function tail(file, chars = 4000) {
  try {
    return fs.readFileSync(file, 'utf8').slice(-chars);
  } catch (error) {
    return `(${error.message})`;
  }
}

module.exports = {
  alive,
  root,
  python: path.join(root, '.venv', 'bin', 'python'),
  launcher: path.join(root, 'tests', 'hub', 'hub_launcher.py'),
  logDir,
  stop,
  tail
};
