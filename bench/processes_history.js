// History update with 50 kernels and 2,000 rows (issue 12): one history
// reply merged into ProcessHistory and the rows in view re-rendered with
// their sparklines. Goal: < 16 ms of work per update (a frame).
//
// Two measurements, both used by processes_browser.js:
// - harness(browser, options): the real ProcessHistory, ProcessTable, rows
//   and sparklines (bench/history_harness.tsx, bundled here with Rspack from
//   src/) over synthetic data, in a page of their own: works before the
//   sparklines are wired into the Processes section.
// - inLab(page, ...): the Processes section of the bench's JupyterLab, its
//   processes replies given 49 more kernels and its history replies made
//   here for the 50 (Playwright routes); measured only once the section
//   shows sparklines.
//
// Per update: t0 = the reply's body in hand (before JSON.parse), t1 = the
// first DOM change (React's commit), t2 = the next animation frame, t3 = a
// message posted from it (after that frame's style, layout and paint).
// work = (t1 − t0) + (t3 − t2): the main thread's time for the update
// without the wait for the frame; painted = t3 − t0 includes that wait.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const b = require('./browser');

const ROOT = path.resolve(__dirname, '..');
const KERNELS = Number(process.env.BENCH_HISTORY_KERNELS || 50);
const ROWS = Number(process.env.BENCH_HISTORY_ROWS || 2000);
const UPDATES = Number(process.env.BENCH_HISTORY_UPDATES || 30);
const WARMUP = 3;
const GOAL_MS = 16;
const STEP = 5;
const WINDOW = 1800;

/** bench/history_harness.tsx (or `entry`) and what it imports, as one script. */
async function bundle(entry = path.join(__dirname, 'history_harness.tsx')) {
  const { rspack } = require(
    require.resolve('@rspack/core', { paths: [ROOT] })
  );
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'km-history-'));
  try {
    const compiler = rspack({
      mode: 'production',
      target: 'web',
      devtool: false,
      entry,
      output: { path: out, filename: 'harness.js' },
      resolve: {
        extensions: ['.tsx', '.ts', '.js', '.mjs'],
        modules: [path.join(ROOT, 'node_modules'), 'node_modules']
      },
      module: {
        rules: [
          {
            test: /\.tsx?$/,
            exclude: /node_modules/,
            loader: 'builtin:swc-loader',
            options: {
              jsc: {
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'classic' } },
                target: 'es2020'
              }
            },
            type: 'javascript/auto'
          },
          { test: /\.m?js$/, resolve: { fullySpecified: false } }
        ]
      },
      performance: { hints: false }
    });
    const stats = await new Promise((resolve, reject) =>
      compiler.run((error, result) =>
        compiler.close(() => (error ? reject(error) : resolve(result)))
      )
    );
    if (stats.hasErrors()) {
      throw new Error(stats.toString({ all: false, errors: true }));
    }
    return fs.readFileSync(path.join(out, 'harness.js'), 'utf-8');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The extension's own styles, and theme variables enough without a theme. */
function styles() {
  const own = ['panel.css', 'processes.css', 'charts.css']
    .map(name => fs.readFileSync(path.join(ROOT, 'style', name), 'utf-8'))
    .join('\n');
  const fallback = `:root {
    --jp-ui-font-size0: 11px; --jp-ui-font-size1: 13px; --jp-ui-font-size3: 16px;
    --jp-ui-font-family: system-ui, sans-serif; --jp-code-font-family: monospace;
    --jp-ui-font-color1: rgba(0,0,0,.87); --jp-ui-font-color2: rgba(0,0,0,.54);
    --jp-layout-color0: #fff; --jp-layout-color1: #fff; --jp-layout-color2: #eee;
    --jp-border-color1: #bdbdbd; --jp-border-color2: #e0e0e0;
    --jp-border-width: 1px; --jp-border-radius: 2px;
    --jp-brand-color1: #1976d2; --jp-accent-color1: #388e3c;
    --jp-error-color1: #d32f2f; --jp-warn-color1: #f57c00;
  }`;
  const page = `body { margin: 0; background: var(--jp-layout-color1);
    color: var(--jp-ui-font-color1); font-family: var(--jp-ui-font-family); }`;
  return `${fallback}\n${page}\n${own}`;
}

/** In the page: `updates` merges after warm-ups, each until painted. */
async function harnessProbe({ kernels, rows, updates, warmup }) {
  const host = document.getElementById('host');
  const driver = window.__history.start({ kernels, rows, host: '#host' });
  const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
  const afterFrame = marks =>
    new Promise(resolve =>
      requestAnimationFrame(() => {
        marks.t2 = performance.now();
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          marks.t3 = performance.now();
          resolve();
        };
        channel.port2.postMessage(null);
      })
    );
  for (let i = 0; i < 200; i++) {
    if (host.querySelector('.jp-KernelManager-sparkline')) {
      break;
    }
    await frame();
  }
  await new Promise(resolve => setTimeout(resolve, 300));
  const out = [];
  for (let i = 0; i < warmup + updates; i++) {
    const body = driver.body();
    await frame();
    await new Promise(resolve => setTimeout(resolve, 30));
    const marks = {};
    let changed;
    const mutated = new Promise(resolve => (changed = resolve));
    const observer = new MutationObserver(() => {
      marks.t1 ??= performance.now();
      changed();
    });
    observer.observe(host, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true
    });
    marks.t0 = performance.now();
    driver.merge(body);
    marks.merged = performance.now();
    await Promise.race([
      mutated,
      new Promise(resolve => setTimeout(resolve, 1000))
    ]);
    observer.disconnect();
    await afterFrame(marks);
    marks.sparklines = host.querySelectorAll(
      '.jp-KernelManager-sparkline'
    ).length;
    marks.inDom = host.querySelectorAll('[role="row"][data-index]').length;
    marks.rows =
      Number(
        host.querySelector('[role="treegrid"]')?.getAttribute('aria-rowcount')
      ) - 1;
    if (i >= warmup) {
      out.push(marks);
    }
  }
  return out;
}

/** Figures of a list of marks (see the top of this file). */
function summarize(name, marks) {
  const done = marks.filter(m => Number.isFinite(m.t1) && !m.noChange);
  const work = done.map(m => m.t1 - m.t0 + (m.t3 - m.t2));
  return {
    name,
    n: done.length,
    unchanged: marks.length - done.length,
    rows: Math.min(...done.map(m => m.rows ?? NaN)),
    inDom: b.median(done.map(m => m.inDom)),
    sparklines: b.median(done.map(m => m.sparklines)),
    merge: b.stat(done.map(m => m.merged - m.t0)),
    commit: b.stat(done.map(m => m.t1 - m.t0)),
    frame: b.stat(done.map(m => m.t3 - m.t2)),
    work: b.stat(work),
    painted: b.stat(done.map(m => m.t3 - m.t0))
  };
}

function print(s) {
  if (!s.n) {
    console.log(`  ${s.name}: no update measured`);
    return;
  }
  const f = st =>
    st.n ? `${st.median.toFixed(1)}/${st.p90.toFixed(1)}` : 'n/a';
  console.log(
    `  ${s.name}: ${s.rows} rows, ${s.inDom} in the DOM, ${s.sparklines} sparklines; ` +
      `median/p90 ms: merge ${f(s.merge)}, merge→commit ${f(s.commit)}, ` +
      `frame ${f(s.frame)}, work ${f(s.work)}, painted ${f(s.painted)}` +
      (s.unchanged ? ` (${s.unchanged} without a DOM change)` : '')
  );
}

function verdict(s, what) {
  if (!s || !s.n) {
    return `History update with ${KERNELS} kernels and ${ROWS} rows, ${what}: NOT MEASURED`;
  }
  return (
    `History update with ${KERNELS} kernels and ${s.rows} rows, ${what}: ` +
    `${s.sparklines} sparklines in view, work (merge + render + frame) median ` +
    `${s.work.median.toFixed(1)} ms, p90 ${s.work.p90.toFixed(1)} ms ` +
    `(goal < ${GOAL_MS} ms): ${b.verdict(s.work.median < GOAL_MS)}`
  );
}

/**
 * The harness figure. `themeUrl` (or `themeCss`): a JupyterLab theme's CSS
 * (the bench's server serves it) for the real variables; `screenshot`: a
 * PNG of the table after the updates.
 */
async function harness(browser, { themeUrl, themeCss, screenshot } = {}) {
  const script = await bundle();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 }
  });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', error => errors.push(String(error)));
    await page.setContent(
      `<!doctype html><html><head><style>${styles()}</style>` +
        (themeUrl ? `<link rel="stylesheet" href="${themeUrl}">` : '') +
        (themeCss ? `<style>${themeCss}</style>` : '') +
        '</head><body class="jp-ThemedContainer">' +
        '<div id="host" style="position:fixed;left:0;top:0;width:300px;height:720px;display:flex"></div>' +
        '</body></html>',
      { waitUntil: 'load' }
    );
    await page.addScriptTag({ content: script });
    const marks = await page.evaluate(harnessProbe, {
      kernels: KERNELS,
      rows: ROWS,
      updates: UPDATES,
      warmup: WARMUP
    });
    if (screenshot) {
      await page.screenshot({
        path: screenshot,
        clip: { x: 0, y: 0, width: 300, height: 720 }
      });
    }
    const s = summarize('harness', marks);
    s.errors = errors;
    print(s);
    return s;
  } finally {
    await context.close();
  }
}

// --- in the bench's JupyterLab ------------------------------------------------

const DELAY_MS = Number(process.env.BENCH_HISTORY_DELAY_MS || 150);
const PROCESSES = /\/kernel-manager\/processes(\?|$)/;
const HISTORY = /\/kernel-manager\/processes\/history(\?|$)/;

/** KERNELS − real kernels more, the largest children of the server. */
function withKernels(reply) {
  const real = reply.processes.filter(p => p.kind === 'kernel' && p.kernel);
  const model = real[0];
  const fakes = [];
  for (let i = 0; fakes.length + real.length < KERNELS; i++) {
    const name = `bench notebook with a fairly long name ${i}.ipynb`;
    fakes.push({
      ...model,
      pid: 5000000 + i,
      ppid: reply.server_pid,
      cpu_percent: 0,
      // Above the kernel of the 2,000 sleeps: the view is full of them.
      rss_bytes: 64e9 - i * 1e6,
      kernel: {
        ...model.kernel,
        id: `bench-history-kernel-${i}`,
        sessions: [
          { id: `bench-${i}`, path: `bench/${name}`, name, type: 'notebook' }
        ]
      }
    });
  }
  return {
    ...reply,
    processes: [...reply.processes, ...fakes],
    history: reply.history ?? { step: STEP, seconds: WINDOW }
  };
}

/** A reply of the history route for `ids` from `since`, new values each time. */
function historyReply(ids, since, seed) {
  const now = Math.floor(Date.now() / 1000 / STEP);
  const oldest = now - WINDOW / STEP + 1;
  const first =
    since === null
      ? oldest
      : Math.min(now, Math.max(oldest, Math.floor(Number(since) / STEP)));
  const count = now - first + 1;
  const series = k => {
    const cpu = [];
    const memory = [];
    for (let t = first; t <= now; t++) {
      const wobble = t === now ? seed : 0;
      cpu.push(Math.round(((t * 7 + k * 13 + wobble) % 400) * 10) / 10);
      memory.push(
        Math.round(2e8 + 1e8 * Math.sin((t + k + wobble) / 9) + k * 1e6)
      );
    }
    return { cpu, memory };
  };
  const kernels = {};
  ids.forEach((id, k) => (kernels[id] = series(k)));
  return {
    step: STEP,
    seconds: WINDOW,
    start: first * STEP,
    count,
    total: series(-1),
    kernels
  };
}

/**
 * The Processes section of `page` (open, scrolled to the top) with KERNELS
 * kernels: its replies rewritten by routes; UPDATES history updates after
 * two dropped. Null when the section shows no sparkline (not wired yet).
 */
async function inLab(page, cdp) {
  let ids = [];
  let seed = 0;
  const onProcesses = async route => {
    const response = await route.fetch();
    if (response.status() !== 200) {
      return route.fulfill({ response });
    }
    const reply = withKernels(await response.json());
    ids = reply.processes
      .filter(p => p.kind === 'kernel')
      .map(p => p.kernel.id);
    return route.fulfill({ response, json: reply });
  };
  const onHistory = async route => {
    const since = new URL(route.request().url()).searchParams.get('since');
    // After the processes reply's own update has been painted.
    await b.sleep(DELAY_MS);
    return route.fulfill({ json: historyReply(ids, since, ++seed) });
  };
  await page.route(PROCESSES, onProcesses);
  await page.route(HISTORY, onHistory);
  try {
    const wired = await page
      .waitForFunction(
        () =>
          document.querySelectorAll(
            '#jp-KernelManager-processes [role="row"] .jp-KernelManager-sparkline'
          ).length >= 10,
        null,
        { timeout: 20000 }
      )
      .then(
        () => true,
        () => false
      );
    if (!wired) {
      console.log(
        '  history in JupyterLab: the Processes table shows no sparklines (not wired yet): not measured'
      );
      return null;
    }
    const skip = 2;
    await page.evaluate(() =>
      Object.assign(window.__bench.km.history, { updates: [], pending: null })
    );
    const before = await b.metrics(cdp);
    const wait = n =>
      page.waitForFunction(
        k => window.__bench.km.history.updates.length >= k,
        n,
        {
          timeout: 120000
        }
      );
    await wait(skip);
    await b.profiled(page, 'processes-history', () => wait(skip + 1));
    await wait(skip + UPDATES);
    const after = await b.metrics(cdp);
    const marks = await page.evaluate(() => {
      const history = window.__bench.km.history;
      const out = history.updates;
      history.updates = null;
      return out;
    });
    const s = summarize('in JupyterLab', marks.slice(skip, skip + UPDATES));
    s.cdp = b.cdpDelta(before, after, marks.length || 1);
    print(s);
    return s;
  } finally {
    await page.unroute(PROCESSES, onProcesses);
    await page.unroute(HISTORY, onHistory);
  }
}

module.exports = {
  inLab,
  GOAL_MS,
  bundle,
  styles,
  KERNELS,
  ROWS,
  STEP,
  UPDATES,
  WINDOW,
  harness,
  print,
  summarize,
  verdict
};
