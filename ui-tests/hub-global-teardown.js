/**
 * Global teardown of the hub's Galata tests: stops the hub that
 * hub-global-setup.js started, with every server and proxy it started.
 * Playwright runs it after the tests, also when they failed or were
 * interrupted (Ctrl-C); if the runner itself is killed, the launcher stops
 * the hub on its own (--stop-with-parent).
 */
const hubRun = require('./hub-run');

module.exports = async function globalTeardown() {
  await hubRun.stop();
};
