// Opening the Kernel Manager with 1,000 kernelspecs, and filtering the list,
// in headless Chromium (run by kernelspecs.py).
//
// Usage: node kernelspecs_browser.js BASE_URL TOKEN KERNELSPECS RESULT_JSON
//
// BENCH_BROWSER_RUNS (5) fresh pages at /lab?reset; on each, once JupyterLab
// is idle, with the panel closed:
//   open    Alt+Shift+K (keydown) → the panel shown with one row per
//           kernelspec in the "Kernels" list;
//   filter  "q" in "Filter kernels" (only the "Quantum" specs match) → the
//           row count changes; then Escape → every row back;
//           BENCH_FILTER_ROUNDS (3) rounds.
// Also whether the list was rendered, hidden, during startup, and the length
// of the long animation frame that did it. BENCH_PROFILE=DIR: CPU profiles of
// the first page's open, filter and Escape.
'use strict';

const b = require('./browser');

const RUNS = Number(process.env.BENCH_BROWSER_RUNS || 5);
const ROUNDS = Number(process.env.BENCH_FILTER_ROUNDS || 3);
const GOAL_MS = 300;
// The "Kernels" list: a listbox of options, or (since the accessibility pass) a
// treegrid of rows.
const LIST =
  '#jp-kernel-manager [aria-label="Kernels"]:is([role="listbox"], [role="treegrid"])';

function kernelsProbe(list) {
  const bench = window.__bench;
  const options = () =>
    document
      .querySelector(list)
      ?.querySelectorAll('[role="option"], [role="row"]').length ?? 0;
  bench.options = options;
  bench.counts = [];
  new MutationObserver(() => {
    const n = options();
    if (n !== bench.counts.at(-1)?.n) {
      bench.counts.push({ t: performance.now(), n });
    }
  }).observe(document, { subtree: true, childList: true });
  bench.ready.open = ({ expected }) =>
    options() >= expected &&
    document.getElementById('jp-kernel-manager').closest('.lm-mod-hidden') ===
      null;
  bench.ready.count = ({ before }) => options() !== before;
}

async function onePage(browser, url, expected, run) {
  const { context, page, errors, loadMs } = await b.openLab(browser, url, {
    init: [[kernelsProbe, LIST]],
    idle: false
  });
  await b.idle(page);
  // Whether the list was rendered, hidden, at startup, and in which long frame.
  const startup = await page.evaluate(n => {
    const full = window.__bench.counts.find(c => c.n >= n)?.t;
    const frame = window.__bench.frames.find(
      f => f.start <= full && full <= f.start + f.duration + 1
    );
    return {
      hidden: full !== undefined,
      frameMs: full === undefined ? NaN : (frame?.duration ?? 0)
    };
  }, expected);
  await b.closePanel(page);

  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const profile = name => (run === 1 ? name : '');
  const open = await b.measure(
    page,
    {
      ready: 'open',
      args: { expected },
      trigger: { type: 'keydown', key: 'k' }
    },
    () => page.keyboard.press('Alt+Shift+K'),
    { cdp, profile: profile('open') }
  );
  await b.idle(page);
  const input = page.getByRole('searchbox', { name: 'Filter kernels' });
  const filter = [];
  const clear = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [key, out] of [
      ['q', filter],
      ['Escape', clear]
    ]) {
      await input.focus();
      const before = await page.evaluate(() => window.__bench.options());
      const marks = await b.measure(
        page,
        { ready: 'count', args: { before }, trigger: { type: 'keydown', key } },
        () => page.keyboard.press(key),
        { profile: round === 0 && profile(key === 'q' ? 'filter' : 'escape') }
      );
      out.push({
        ...marks,
        rows: await page.evaluate(() => window.__bench.options())
      });
      await b.idle(page, 300);
    }
  }
  await context.close();
  if (clear.some(m => m.rows !== expected)) {
    throw new Error('Escape did not bring every row back');
  }
  console.log(
    `  page ${run}: loaded in ${(loadMs / 1000).toFixed(1)} s (list ` +
      (startup.hidden
        ? `rendered hidden in a ${b.ms(startup.frameMs)} frame`
        : 'not rendered hidden') +
      `); open → rendered ${b.ms(open.rendered)}, painted ` +
      `${b.ms(open.painted)} (script ${b.ms(open.cdp.scriptMs)}, style ${b.ms(open.cdp.styleMs)}, ` +
      `layout ${b.ms(open.cdp.layoutMs)}); filter ${b.ms(b.median(filter.map(m => m.painted)))}` +
      (errors.length ? `; ${errors.length} page error(s): ${errors[0]}` : '')
  );
  return { loadMs, expected, startup, open, filter, clear, errors };
}

b.main(async ([base, token, count]) => {
  const browser = await b.launch();
  const chromium = browser.version();
  const pages = [];
  try {
    console.log(
      `Browser (Chromium ${chromium}, ${RUNS} fresh pages at 1280x800)`
    );
    const url = `${base}lab?token=${encodeURIComponent(token)}&reset`;
    for (let run = 1; run <= RUNS; run++) {
      pages.push(await onePage(browser, url, Number(count), run));
    }
  } finally {
    await browser.close();
  }
  const { expected } = pages[0];
  const filtered = pages[0].filter[0].rows;
  const all = key => pages.flatMap(p => p[key]);
  const summary = {
    [`open → ${expected} rows`]: b.stat(pages.map(p => p.open.rendered)),
    'open → painted': b.stat(pages.map(p => p.open.painted)),
    [`filter "q" → ${filtered} rows`]: b.stat(
      all('filter').map(m => m.rendered)
    ),
    'filter → painted': b.stat(all('filter').map(m => m.painted)),
    [`Escape → ${expected} rows`]: b.stat(all('clear').map(m => m.rendered)),
    'Escape → painted': b.stat(all('clear').map(m => m.painted)),
    'startup: long frame rendering the hidden list': b.stat(
      pages.map(p => p.startup.frameMs)
    )
  };
  console.log(
    `  ${''.padEnd(46)} ${'median'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}`
  );
  for (const [label, s] of Object.entries(summary)) {
    const cells = [s.median, s.min, s.max].map(v => b.ms(v).padStart(7));
    console.log(`  ${label.padEnd(46)} ${cells.join(' ')}  (${s.n})`);
  }
  const openMs = summary[`open → ${expected} rows`].median;
  return {
    chromium,
    kernelspecs: expected,
    summary,
    pages,
    verdicts: [
      `panel open → ${expected} rows rendered, median ${b.ms(openMs)} (painted ` +
        `${b.ms(summary['open → painted'].median)}) (goal < ${GOAL_MS} ms): ` +
        b.verdict(openMs < GOAL_MS),
      `filter keystroke → ${filtered} rows, median ` +
        `${b.ms(summary['filter → painted'].median)} painted (no goal set)`
    ]
  };
});
