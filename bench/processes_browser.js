// The Processes table updating with 2,000 rows, in headless Chromium (run by
// processes.py).
//
// Usage: node processes_browser.js BASE_URL TOKEN CHILDREN SPAWNED_AT_MS RESULT_JSON
//
// A kernel has CHILDREN sleeping children, started at SPAWNED_AT_MS (epoch
// ms); processRefreshInterval is 1 s. An init script wraps window.fetch: t0 =
// the body of a GET kernel-manager/processes has been read. Per update, a
// MutationObserver on the section marks t1 at the first DOM change (React's
// commit), the next animation frame t2 ("rAF"), a message posted from it t3
// ("painted"). Goal: t3 − t0 < 50 ms. The grid is windowed: its
// aria-rowcount gives the rows; the rows in the DOM are counted apart.
// Phases on one page: mount (first full render at startup, if any); young
// (panel opened with Alt+Shift+K, other sections collapsed, BENCH_UPDATES
// (15) updates while the sleeps are under a minute old: every age changes);
// closed (panel closed, BENCH_CLOSED_UPDATES (6) polls); steady (reopened once
// the sleeps are over a minute old). Then BENCH_SCROLL_JUMPS (10) jumps of
// the scroller across the table: scrollTop set → the new top row painted.
// Then the history update with 50 kernels (processes_history.js; BENCH_HISTORY=0
// skips it): in this page once its sparklines are wired, and in a harness.
'use strict';

const b = require('./browser');
const h = require('./processes_history');

const UPDATES = Number(process.env.BENCH_UPDATES || 15);
const CLOSED_UPDATES = Number(process.env.BENCH_CLOSED_UPDATES || 6);
const JUMPS = Number(process.env.BENCH_SCROLL_JUMPS || 10);
const HISTORY = process.env.BENCH_HISTORY !== '0';
const GOAL_MS = 50;
const GRID =
  '#jp-KernelManager-processes [role="treegrid"][aria-label="Processes"]';

/** Before JupyterLab: replies of the processes route, and per-update marks. */
function processesProbe({ grid, expected }) {
  const bench = window.__bench;
  const km = { bodies: [], updates: null, pending: null, mount: null };
  // History replies (processes_history.js): t0 = body read, t1 = the first
  // change inside a sparkline.
  const history = { updates: null, pending: null };
  km.history = history;
  bench.km = km;
  const rows = () =>
    Number(document.querySelector(grid)?.getAttribute('aria-rowcount') || 1) -
    1;
  const inDom = () =>
    document.querySelectorAll(`${grid} [role="row"][data-index]`).length;
  const real = window.fetch;
  window.fetch = function (input, init) {
    const reply = real.call(this, input, init);
    const url = typeof input === 'string' ? input : input.url;
    if (/\/kernel-manager\/processes\/history(\?|$)/.test(url)) {
      return reply.then(response => {
        const text = response.text.bind(response);
        response.text = () =>
          text().then(body => {
            if (history.updates) {
              if (history.pending && history.pending.t1 === null) {
                history.pending.noChange = true;
                history.updates.push(history.pending);
              }
              history.pending = { t0: performance.now(), t1: null };
            }
            return body;
          });
        return response;
      });
    }
    if (!/\/kernel-manager\/processes(\?|$)/.test(url)) {
      return reply;
    }
    const sent = performance.now();
    return reply.then(response => {
      const text = response.text.bind(response);
      response.text = () =>
        text().then(body => {
          const entry = {
            sent,
            t0: performance.now(),
            bytes: body.length,
            t1: null
          };
          km.bodies.push(entry);
          if (km.updates) {
            if (km.pending && km.pending.t1 === null) {
              km.pending.noChange = true; // the previous reply changed nothing
              km.updates.push(km.pending);
            }
            km.pending = entry;
          }
          return body;
        });
      return response;
    });
  };
  const onChange = records => {
    const update = km.pending;
    if (km.mount === null && rows() >= expected) {
      km.mount = { t0: km.bodies.at(-1)?.t0, rows: rows(), inDom: inDom() };
      bench.afterFrame(km.mount);
    }
    const section = document.getElementById('jp-KernelManager-processes');
    const mine = records.filter(r => section?.contains(r.target));
    const drawn = history.pending;
    if (
      drawn &&
      drawn.t1 === null &&
      mine.some(r =>
        (r.target.nodeType === 1 ? r.target : r.target.parentElement)?.closest(
          '.jp-KernelManager-sparkline, .jp-KernelManager-sparklineButton'
        )
      )
    ) {
      drawn.t1 = performance.now();
      bench.afterFrame(drawn, () => {
        Object.assign(drawn, {
          rows: rows(),
          inDom: inDom(),
          sparklines: section.querySelectorAll('.jp-KernelManager-sparkline')
            .length
        });
        history.updates?.push(drawn);
        if (history.pending === drawn) {
          history.pending = null;
        }
      });
    }
    if (!update || update.t1 !== null || !km.updates || !mine.length) {
      return;
    }
    update.t1 = performance.now();
    const changed = new Set(
      mine.map(r =>
        (r.target.nodeType === 1 ? r.target : r.target.parentElement)?.closest(
          '[data-index]'
        )
      )
    );
    changed.delete(null);
    changed.delete(undefined);
    update.rowsChanged = changed.size;
    bench.afterFrame(update, () => {
      Object.assign(update, { rows: rows(), inDom: inDom() });
      km.updates.push(update);
      km.pending = null;
    });
  };
  document.addEventListener('DOMContentLoaded', () =>
    new MutationObserver(onChange).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true
    })
  );
  bench.ready.shown = () =>
    document.getElementById('jp-kernel-manager')?.closest('.lm-mod-hidden') ===
    null;
}

/** `count` updates after `skip` dropped ones, with Chrome's time per update. */
async function phase(page, cdp, name, count, skip = 1, timeout = 120000) {
  await page.evaluate(() =>
    Object.assign(window.__bench.km, { updates: [], pending: null })
  );
  const before = await b.metrics(cdp);
  const wait = n =>
    page.waitForFunction(k => window.__bench.km.updates.length >= k, n, {
      timeout
    });
  await wait(skip);
  await b.profiled(page, `processes-${name}`, () => wait(skip + 1));
  await wait(skip + count);
  const after = await b.metrics(cdp);
  const updates = await page.evaluate(() => {
    const km = window.__bench.km;
    const out = km.updates;
    km.updates = null;
    return out;
  });
  const kept = updates.slice(skip, skip + count);
  const changed = kept.filter(u => !u.noChange);
  const painted = changed.map(u => u.t3 - u.t0);
  return {
    n: kept.length,
    unchanged: kept.length - changed.length,
    rows: Math.min(...changed.map(u => u.rows)),
    inDom: Math.max(0, ...changed.map(u => u.inDom)),
    rowsChanged: b.median(changed.map(u => u.rowsChanged)),
    commit: b.median(changed.map(u => u.t1 - u.t0)),
    rendered: b.median(changed.map(u => u.t2 - u.t0)),
    painted: b.stat(painted),
    cdp: b.cdpDelta(before, after, updates.length || 1),
    updates: kept
  };
}

async function openPanel(page) {
  const open = await b.measure(
    page,
    { ready: 'shown', trigger: { type: 'keydown', key: 'k' } },
    () => page.keyboard.press('Alt+Shift+K')
  );
  // Only the Processes section expanded, so that it has the height.
  for (const title of await page
    .locator('#jp-kernel-manager [aria-controls]')
    .all()) {
    const mine =
      (await title.getAttribute('aria-controls')) ===
      'jp-KernelManager-processes';
    if (mine !== ((await title.getAttribute('aria-expanded')) === 'true')) {
      await title.click();
    }
  }
  await page.locator(GRID).waitFor({ state: 'visible' });
  return open;
}

/** scrollTop set JUMPS times across the table → the new top row in the DOM, painted. */
function scrollProbe({ grid, jumps }) {
  const table = document.querySelector(grid);
  let scroller = table.parentElement;
  while (scroller.scrollHeight <= scroller.clientHeight + 1) {
    scroller = scroller.parentElement;
  }
  const rowHeight = table
    .querySelector('[role="row"][data-index]')
    .getBoundingClientRect().height;
  const body = table.querySelector('[role="rowgroup"]:last-child');
  const top =
    body.getBoundingClientRect().top -
    scroller.getBoundingClientRect().top +
    scroller.scrollTop;
  const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
  const max = scroller.scrollHeight - scroller.clientHeight;
  return (async () => {
    const out = [];
    for (let i = 1; i <= jumps; i++) {
      await frame();
      const marks = { t0: performance.now() };
      scroller.scrollTop = Math.round((max * (i % 2 ? i : jumps - i)) / jumps);
      const index = Math.max(
        0,
        Math.floor((scroller.scrollTop - top) / rowHeight)
      );
      let frames = 0;
      while (!body.querySelector(`[data-index="${index}"]`) && frames++ < 60) {
        await frame();
      }
      await new Promise(resolve => window.__bench.afterFrame(marks, resolve));
      out.push({ frames, painted: marks.t3 - marks.t0 });
    }
    scroller.scrollTop = 0;
    return out;
  })();
}

b.main(async ([base, token, childrenArg, spawnedAtArg]) => {
  const [children, spawnedAt] = [Number(childrenArg), Number(spawnedAtArg)];
  const browser = await b.launch();
  const chromium = browser.version();
  try {
    const url = `${base}lab?token=${encodeURIComponent(token)}&reset`;
    const { context, page, errors, loadMs } = await b.openLab(browser, url, {
      init: [[processesProbe, { grid: GRID, expected: children }]],
      idle: false
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const mount = await page
      .waitForFunction(
        () => window.__bench.km.mount?.t3 && window.__bench.km.mount,
        null,
        {
          timeout: 20000
        }
      )
      .then(handle => handle.jsonValue())
      .catch(() => null);
    await b.closePanel(page);
    const open = await openPanel(page);
    const young = await phase(page, cdp, 'young', UPDATES);
    await b.closePanel(page);
    const closed = await phase(
      page,
      cdp,
      'closed',
      CLOSED_UPDATES,
      1,
      30000
    ).catch(() => null);
    const wait = spawnedAt + 63000 - Date.now();
    if (wait > 0) {
      console.log(
        `  waiting ${(wait / 1000).toFixed(0)} s until the sleeps are a minute old`
      );
      await page.waitForTimeout(wait);
    }
    const reopen = await openPanel(page);
    const steady = await phase(page, cdp, 'steady', UPDATES, 2);
    const scroll = await page.evaluate(scrollProbe, {
      grid: GRID,
      jumps: JUMPS
    });
    const history = { lab: null, harness: null };
    if (HISTORY) {
      history.lab = await h.inLab(page, cdp).catch(error => {
        console.log(`  history in JupyterLab failed: ${error}`);
        return null;
      });
    }
    await context.close();
    if (HISTORY) {
      history.harness = await h
        .harness(browser, {
          themeUrl:
            `${base}lab/api/themes/@jupyterlab/theme-light-extension/index.css` +
            `?token=${encodeURIComponent(token)}`
        })
        .catch(error => {
          console.log(`  history harness failed: ${error.stack || error}`);
          return null;
        });
    }

    const mountMs = mount ? mount.t3 - mount.t0 : NaN;
    console.log(
      `  page loaded in ${(loadMs / 1000).toFixed(1)} s; table rendered while the panel was ` +
        `closed: ${mount ? `${b.ms(mountMs)}, reply → painted` : 'no'}; Alt+Shift+K → ` +
        `panel painted ${b.ms(open.painted)} (again later ${b.ms(reopen.painted)})` +
        (errors.length ? `; ${errors.length} page error(s): ${errors[0]}` : '')
    );
    console.log(
      `  ${'phase'.padEnd(24)}  rows in DOM changed  commit     rAF painted     p90     max` +
        '  script/style/layout per update'
    );
    const phases = { young, closed, steady };
    for (const [name, p] of Object.entries(phases)) {
      if (!p || p.n === p.unchanged) {
        console.log(
          `  ${name.padEnd(24)}  no DOM change on any of ${p?.n ?? 0} replies`
        );
        continue;
      }
      const cells = [
        p.commit,
        p.rendered,
        p.painted.median,
        p.painted.p90,
        p.painted.max
      ];
      console.log(
        `  ${name.padEnd(24)} ${String(p.rows).padStart(5)} ${String(p.inDom).padStart(6)} ` +
          `${String(p.rowsChanged).padStart(7)} ${cells.map(v => b.ms(v).padStart(7)).join(' ')}  ` +
          [p.cdp.scriptMs, p.cdp.styleMs, p.cdp.layoutMs]
            .map(v => v.toFixed(0))
            .join('/') +
          ' ms'
      );
    }
    const painted = scroll.map(j => j.painted);
    console.log(
      `  scrolling, ${JUMPS} jumps: scrollTop set → new rows painted, median ` +
        `${b.ms(b.median(painted))}, max ${b.ms(Math.max(...painted))}`
    );
    const verdicts = ['young', 'steady'].map(name => {
      const p = phases[name];
      const ok = p.rows >= children;
      return (
        `Processes table update, ${name}, ${p.rows} rows (${p.inDom} in the DOM, ` +
        `${p.rowsChanged} changed), painted median ${b.ms(p.painted.median)}, max ` +
        `${b.ms(p.painted.max)} (goal < ${GOAL_MS} ms): ` +
        (ok
          ? b.verdict(p.painted.median < GOAL_MS)
          : `NOT MEASURED (only ${p.rows} rows)`)
      );
    });
    if (HISTORY) {
      verdicts.push(
        h.verdict(history.lab, 'in JupyterLab'),
        h.verdict(history.harness, 'harness (ProcessTable outside JupyterLab)')
      );
    }
    verdicts.push(
      !closed || closed.n === closed.unchanged
        ? 'hidden table (panel closed): not re-rendered on any poll (no goal set)'
        : `hidden table (panel closed) updated on ${closed.n - closed.unchanged} of ` +
            `${closed.n} polls (no goal set)`
    );
    return {
      chromium,
      children,
      loadMs,
      mount,
      mountMs,
      open,
      reopen,
      phases,
      scroll,
      history,
      verdicts
    };
  } finally {
    await browser.close();
  }
});
