/**
 * What both Playwright configurations (playwright.config.js, the lab run, and
 * playwright.hub.config.js, the hub run) share: Debian's Chromium and the
 * reports scripts/test.sh reads.
 */

/**
 * The `use` options of a run: no video (the default needs Playwright's ffmpeg
 * download), traces and screenshots of failures, Debian's Chromium
 * (`playwright install` does not work on these machines).
 */
function browserUse(base, extra = {}) {
  return {
    ...base,
    ...extra,
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
  };
}

/**
 * The reporters of a run: the list, an html report in `htmlFolder`, and the
 * JSON file named by the environment variable `jsonVariable` when it is set
 * (scripts/test.sh reads the counts from it).
 */
function reporters(htmlFolder, jsonVariable) {
  const json = process.env[jsonVariable];
  return [
    ['list'],
    ['html', { open: 'never', outputFolder: htmlFolder }],
    ...(json ? [['json', { outputFile: json }]] : [])
  ];
}

module.exports = { browserUse, reporters };
