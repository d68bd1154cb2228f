// Time from opening the Kernel Manager panel to its list being rendered, in
// headless Chromium, and the time a filter keystroke takes.
//
// Usage: node kernelspecs_browser.js BASE_URL TOKEN RESULT_JSON
//
// For each of RUNS fresh pages (new browser context, `/lab?reset`):
//   1. wait until JupyterLab is up and idle: the main dock panel is visible,
//      the left tab bar has the Kernel Manager tab, the answers of GET
//      api/kernelspecs and GET kernel-manager/kernelspecs have arrived, then
//      ~1 s and an idle callback;
//   2. make sure the panel is closed;
//   3. in the page: a capture-phase keydown listener records t0, Alt+Shift+K
//      is pressed, a MutationObserver (installed before) records t1 when the
//      panel is shown and holds one row per kernelspec, a requestAnimationFrame
//      callback after that records t2 (start of the first frame with the
//      list: "open → rendered"), and a message posted from that callback
//      records t3 (after that frame's style, layout and paint: "painted");
//   4. the filter: focus the filter box, press "q" (narrows to ~10% of the
//      rows, see make_kernelspecs.py), t0 on keydown, t1 when the row count
//      changes, t2/t3 as above; then Escape (clears the filter), measured the
//      same way. FILTER_ROUNDS times per page.
// Chrome's own counters (CDP Performance.getMetrics: script, style recalc and
// layout time) are recorded around each measurement, and the long animation
// frames of the page's startup in which the (still hidden) list is rendered.

'use strict';

const fs = require('fs');
const { chromium } = require('playwright-core');

const RUNS = Number(process.env.BENCH_BROWSER_RUNS || 5);
const FILTER_ROUNDS = Number(process.env.BENCH_FILTER_ROUNDS || 3);
const GOAL_MS = 300;
const CHROMIUM = process.env.KM_CHROMIUM || '/usr/bin/chromium';
const VIEWPORT = { width: 1280, height: 800 };
const TIMEOUT = 60000;
// BENCH_PROFILE=DIR: on the first page, record JavaScript CPU profiles of the
// opening, the first filter keystroke and the first Escape into DIR
// (*.cpuprofile, which Chrome DevTools opens) and print where the time went.
const PROFILE_DIR = process.env.BENCH_PROFILE || '';

const median = values => {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = ms => `${ms.toFixed(0).padStart(5)} ms`;

/**
 * Installed in the page before the key press; resolves with the marks.
 * `kind` is 'open' (wait for the panel with `expected` rows) or 'filter'
 * (wait for the row count to change from what it is now).
 */
function instrument({ kind, key, expected }) {
  const panel = document.getElementById('jp-kernel-manager');
  const rows = () => panel.querySelectorAll('li.jp-KernelManager-item').length;
  const shown = () => !panel.classList.contains('lm-mod-hidden') &&
    panel.closest('.lm-mod-hidden') === null;
  const before = rows();
  const marks = { t0: null, t1: null, t2: null, t3: null, rowsBefore: before, rowsAtKey: null };
  const frames = [];
  let loaf = null;
  if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
    loaf = new PerformanceObserver(list => frames.push(...list.getEntries()));
    loaf.observe({ type: 'long-animation-frame' });
  }
  window.__benchDone = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind}: nothing happened within 10 s`)), 10000);
    const ready = () => kind === 'open'
      ? shown() && rows() >= expected
      : rows() !== before;
    const onReady = () => {
      marks.t1 = performance.now();
      marks.rowsAfter = rows();
      observer.disconnect();
      requestAnimationFrame(() => {
        marks.t2 = performance.now();
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          marks.t3 = performance.now();
          // Long-animation-frame entries are delivered a little later.
          setTimeout(() => {
            loaf?.disconnect();
            marks.frames = frames
              .filter(f => f.startTime + f.duration >= marks.t0)
              .map(f => ({
                start: f.startTime - marks.t0,
                duration: f.duration,
                // Script before the rendering step (event handlers, React commit).
                script: f.renderStart - f.startTime,
                // rAF callbacks and ResizeObservers, then style + layout (+ paint prep).
                rafs: f.styleAndLayoutStart - f.renderStart,
                styleLayout: f.startTime + f.duration - f.styleAndLayoutStart,
                scripts: f.scripts.map(s => ({
                  invoker: s.invoker, duration: s.duration,
                  forcedStyleAndLayout: s.forcedStyleAndLayoutDuration,
                  source: s.sourceFunctionName
                }))
              }));
            window.removeEventListener('keydown', onKey, true);
            clearTimeout(timer);
            resolve(marks);
          }, 100);
        };
        channel.port2.postMessage(null);
      });
    };
    const observer = new MutationObserver(() => {
      if (marks.t0 !== null && marks.t1 === null && ready()) {
        onReady();
      }
    });
    observer.observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ['class']
    });
    const onKey = event => {
      if (marks.t0 === null && event.key.toLowerCase() === key.toLowerCase()) {
        marks.t0 = performance.now();
        marks.rowsAtKey = rows();
        if (kind === 'open' && ready()) {
          reject(new Error('the panel was already open with its rows'));
        }
      }
    };
    window.addEventListener('keydown', onKey, true);
  });
}

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map(m => [m.name, m.value]));
}

/**
 * Self time per function (and per script) of a CDP CPU profile, largest first.
 */
function summarizeProfile(profile, top = 15) {
  const byId = new Map(profile.nodes.map(node => [node.id, node]));
  const self = new Map();
  const perScript = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] || 0) / 1000;
    const { functionName, url, lineNumber, columnNumber } = byId.get(id).callFrame;
    const script = url ? url.split('/').pop().split('?')[0] : '(native)';
    const key = `${functionName || '(anonymous)'} ${script}:${lineNumber + 1}:${columnNumber + 1}`;
    self.set(key, (self.get(key) || 0) + dt);
    perScript.set(script, (perScript.get(script) || 0) + dt);
    total += dt;
  });
  const sorted = map => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { total, functions: sorted(self), scripts: sorted(perScript) };
}

async function measure(page, cdp, args, press, profileName = '') {
  await page.evaluate(instrument, args);
  const before = await metrics(cdp);
  if (profileName) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  await page.keyboard.press(press);
  const marks = await page.evaluate(() => window.__benchDone);
  const after = await metrics(cdp);
  if (profileName) {
    const { profile } = await cdp.send('Profiler.stop');
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    const file = `${PROFILE_DIR}/${profileName}.cpuprofile`;
    fs.writeFileSync(file, JSON.stringify(profile));
    const summary = summarizeProfile(profile);
    console.log(`  CPU profile of ${profileName} (${summary.total.toFixed(0)} ms sampled) → ${file}`);
    console.log('    self time by script: ' +
      summary.scripts.map(([script, ms]) => `${script} ${ms.toFixed(0)} ms`).join(', '));
    for (const [fn, ms] of summary.functions) {
      console.log(`    ${ms.toFixed(1).padStart(7)} ms  ${fn}`);
    }
  }
  const delta = name => (after[name] - before[name]) * 1000; // seconds → ms
  return {
    rendered: marks.t2 - marks.t0,
    painted: marks.t3 - marks.t0,
    mutation: marks.t1 - marks.t0,
    rowsBefore: marks.rowsBefore,
    rowsAtKey: marks.rowsAtKey,
    rowsAfter: marks.rowsAfter,
    frames: marks.frames,
    cdp: {
      scriptMs: delta('ScriptDuration'),
      recalcStyleMs: delta('RecalcStyleDuration'),
      layoutMs: delta('LayoutDuration'),
      taskMs: delta('TaskDuration'),
      layouts: after.LayoutCount - before.LayoutCount,
      styleRecalcs: after.RecalcStyleCount - before.RecalcStyleCount,
      nodes: after.Nodes
    }
  };
}

async function waitForIdle(page, ms = 1000) {
  await page.waitForTimeout(ms);
  await page.evaluate(() => new Promise(resolve =>
    requestIdleCallback(() => resolve(), { timeout: 3000 })));
}

/**
 * Runs in the page before JupyterLab: records every React commit that touches
 * the kernelspec list while the app starts (the panel is closed, but its
 * widget is attached, so the list is rendered hidden) and the long animation
 * frames, to tell what the list costs at startup.
 */
function startupProbe() {
  const probe = { commits: [], frames: [] };
  window.__benchStartup = probe;
  if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
    new PerformanceObserver(list => {
      for (const f of list.getEntries()) {
        probe.frames.push({
          start: f.startTime, duration: f.duration,
          script: f.renderStart ? f.renderStart - f.startTime : f.duration,
          styleLayout: f.styleAndLayoutStart ? f.startTime + f.duration - f.styleAndLayoutStart : 0
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  }
  const rows = document.getElementsByClassName('jp-KernelManager-item');
  const lists = document.getElementsByClassName('jp-KernelManager-list');
  const onList = () => probe.commits.push({ t: performance.now(), rows: rows.length });
  const waitForList = new MutationObserver(() => {
    if (lists.length > 0) {
      waitForList.disconnect();
      onList();
      new MutationObserver(onList).observe(lists[0], {
        subtree: true, childList: true, attributes: true, characterData: true
      });
    }
  });
  document.addEventListener('DOMContentLoaded', () =>
    waitForList.observe(document.body, { subtree: true, childList: true }));
}

/**
 * The long frames in which the list was rendered during startup.
 */
async function startupCost(page, expected) {
  const { commits, frames } = await page.evaluate(() => window.__benchStartup);
  const frameOf = t => frames.find(f => f.start <= t && t <= f.start + f.duration + 1);
  const used = new Set();
  let firstFull = null;
  for (const commit of commits) {
    if (firstFull === null && commit.rows >= expected) {
      firstFull = commit.t;
    }
    const frame = frameOf(commit.t);
    if (frame) {
      used.add(frame);
    }
  }
  const list = [...used];
  return {
    commits: commits.length,
    firstFullMs: firstFull,
    longFrames: list.length,
    longFramesMs: list.reduce((sum, f) => sum + f.duration, 0),
    largestFrameMs: Math.max(0, ...list.map(f => f.duration)),
    largestFrameScriptMs: list.length ? list.reduce((a, b) => (b.duration > a.duration ? b : a)).script : 0
  };
}

async function onePage(browser, labUrl, run) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.addInitScript(startupProbe);
  const errors = [];
  page.on('pageerror', error => errors.push(String(error)));
  const isGet = (response, path) =>
    response.request().method() === 'GET' && new URL(response.url()).pathname.endsWith(path);
  const ours = page.waitForResponse(r => isGet(r, '/kernel-manager/kernelspecs'), { timeout: TIMEOUT });
  const stock = page.waitForResponse(r => isGet(r, '/api/kernelspecs'), { timeout: TIMEOUT });
  const loadStart = Date.now();
  await page.goto(labUrl, { waitUntil: 'domcontentloaded', timeout: TIMEOUT });
  await page.locator('#jp-main-dock-panel').waitFor({ state: 'visible', timeout: TIMEOUT });
  await page.locator('.jp-SideBar li[data-id="jp-kernel-manager"]').waitFor({ state: 'attached', timeout: TIMEOUT });
  const reply = await ours;
  if (reply.status() !== 200) {
    throw new Error(`GET kernel-manager/kernelspecs answered ${reply.status()}`);
  }
  const expected = Object.keys((await reply.json()).kernelspecs).length;
  await stock;
  await waitForIdle(page);
  const loadMs = Date.now() - loadStart;
  const startup = await startupCost(page, expected);

  const isOpen = () => page.evaluate(() => {
    const panel = document.getElementById('jp-kernel-manager');
    return !!panel && panel.closest('.lm-mod-hidden') === null;
  });
  if (await isOpen()) {
    await page.locator('.jp-SideBar li[data-id="jp-kernel-manager"]').click();
    await page.waitForTimeout(300);
    if (await isOpen()) {
      throw new Error('could not close the Kernel Manager panel before measuring');
    }
  }

  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const profile = name => (PROFILE_DIR && run === 1 ? name : '');
  const open = await measure(page, cdp, { kind: 'open', key: 'k', expected }, 'Alt+Shift+K', profile('open'));
  if (open.rowsAfter < expected) {
    throw new Error(`only ${open.rowsAfter} of ${expected} rows rendered`);
  }
  await waitForIdle(page);

  const filter = [];
  const clear = [];
  const input = page.locator('#jp-kernel-manager input.jp-KernelManager-filterInput');
  for (let round = 0; round < FILTER_ROUNDS; round++) {
    await input.focus();
    filter.push(await measure(page, cdp, { kind: 'filter', key: 'q' }, 'q',
      round === 0 ? profile('filter') : ''));
    await waitForIdle(page, 300);
    await input.focus();
    clear.push(await measure(page, cdp, { kind: 'filter', key: 'Escape' }, 'Escape',
      round === 0 ? profile('escape') : ''));
    await waitForIdle(page, 300);
  }
  const filtered = filter[0].rowsAfter;
  if (clear.some(m => m.rowsAfter !== expected)) {
    throw new Error('Escape did not bring every row back');
  }
  await context.close();
  console.log(
    `  page ${run}: loaded+idle ${(loadMs / 1000).toFixed(1)} s (list rendered hidden in ` +
      `${startup.commits} commits, long frames ${startup.longFramesMs.toFixed(0)} ms); open → rendered ${fmt(open.rendered)}, ` +
      `painted ${fmt(open.painted)} (script ${open.cdp.scriptMs.toFixed(0)}, style ` +
      `${open.cdp.recalcStyleMs.toFixed(0)}, layout ${open.cdp.layoutMs.toFixed(0)} ms); ` +
      `filter ${fmt(median(filter.map(m => m.painted)))}` +
      (errors.length ? `; ${errors.length} page error(s): ${errors[0]}` : '')
  );
  return { loadMs, startup, expected, filtered, open, filter, clear, errors };
}

async function main() {
  const [base, token, resultPath] = process.argv.slice(2);
  const labUrl = `${base}lab?token=${encodeURIComponent(token)}&reset`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'
    ]
  });
  const version = browser.version();
  const pages = [];
  try {
    console.log(`Browser (Chromium ${version}, ${RUNS} fresh pages at ${VIEWPORT.width}x${VIEWPORT.height})`);
    for (let run = 1; run <= RUNS; run++) {
      pages.push(await onePage(browser, labUrl, run));
    }
  } finally {
    await browser.close();
  }

  const expected = pages[0].expected;
  const filtered = pages[0].filtered;
  const stat = values => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });
  const rows = {
    openRendered: stat(pages.map(p => p.open.rendered)),
    openPainted: stat(pages.map(p => p.open.painted)),
    filterRendered: stat(pages.flatMap(p => p.filter.map(m => m.rendered))),
    filterPainted: stat(pages.flatMap(p => p.filter.map(m => m.painted))),
    clearRendered: stat(pages.flatMap(p => p.clear.map(m => m.rendered))),
    clearPainted: stat(pages.flatMap(p => p.clear.map(m => m.painted))),
    startupListFrame: stat(pages.map(p => p.startup.largestFrameMs))
  };
  const cdp = key => median(pages.map(p => p.open.cdp[key]));
  const label = {
    openRendered: `open → list rendered (${expected} rows, rAF)`,
    openPainted: 'open → list painted (after frame)',
    filterRendered: `filter "q" → ${filtered} rows (rAF)`,
    filterPainted: `filter "q" → ${filtered} rows painted`,
    clearRendered: `Escape → ${expected} rows (rAF)`,
    clearPainted: `Escape → ${expected} rows painted`
  };
  console.log(`  ${''.padEnd(42)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}   n`);
  for (const [key, s] of Object.entries(rows).filter(([key]) => key in label)) {
    const n = key.startsWith('open') ? pages.length : pages.length * FILTER_ROUNDS;
    console.log(`  ${label[key].padEnd(42)} ${fmt(s.median)} ${fmt(s.min)} ${fmt(s.max)}  ${String(n).padStart(2)}`);
  }
  const hidden = pages.map(p => p.open.rowsAtKey);
  if (Math.min(...hidden) >= expected) {
    const startup = pages.map(p => p.startup.largestFrameMs);
    console.log(
      `  the ${expected} rows were already in the DOM, hidden, when the panel opened: the ` +
        `list is rendered at startup, in a long frame of ${median(startup).toFixed(0)} ms ` +
        `(median; min ${Math.min(...startup).toFixed(0)}, max ${Math.max(...startup).toFixed(0)})`
    );
  }
  console.log(
    `  opening, Chrome's main-thread time (median): script ${cdp('scriptMs').toFixed(0)} ms, ` +
      `style ${cdp('recalcStyleMs').toFixed(0)} ms, layout ${cdp('layoutMs').toFixed(0)} ms, ` +
      `all tasks ${cdp('taskMs').toFixed(0)} ms (${cdp('styleRecalcs').toFixed(0)} style recalcs, ` +
      `${cdp('layouts').toFixed(0)} layouts)`
  );

  const openMs = rows.openRendered.median;
  const result = {
    chromium: version,
    viewport: VIEWPORT,
    kernelspecs: expected,
    goalMs: GOAL_MS,
    summary: rows,
    pages,
    verdicts: [
      `panel open → ${expected} rows rendered, median ${openMs.toFixed(0)} ms ` +
        `(painted ${rows.openPainted.median.toFixed(0)} ms) (goal < ${GOAL_MS} ms): ` +
        (openMs < GOAL_MS ? 'OK' : 'NOT MET'),
      `filter keystroke → ${filtered} rows, median ${rows.filterRendered.median.toFixed(0)} ms ` +
        `(painted ${rows.filterPainted.median.toFixed(0)} ms) (no goal set)`
    ]
  };
  fs.writeFileSync(resultPath, JSON.stringify(result, null, 1));
}

main().catch(error => {
  console.error(`browser benchmark failed: ${error.stack || error}`);
  process.exit(1);
});
