// What every browser bench shares: Chromium through playwright-core, JupyterLab
// opened and ready, one action measured in the page, CPU profiles, statistics.
'use strict';

const fs = require('fs');
const { chromium } = require('playwright-core');

const TIMEOUT = 120000;
const PROFILE_DIR = process.env.BENCH_PROFILE || '';

const finite = values => values.filter(Number.isFinite);
/** Nearest-rank percentile (q in 0..1) of the finite values; NaN for none. */
const pct = (values, q) => {
  const s = finite(values).sort((a, b) => a - b);
  return s.length ? s[Math.max(0, Math.ceil(q * s.length) - 1)] : NaN;
};
const median = values => {
  const s = finite(values).sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return !s.length ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stat = values => {
  const v = finite(values);
  const [min, max] = v.length ? [Math.min(...v), Math.max(...v)] : [NaN, NaN];
  return { n: v.length, median: median(v), p90: pct(v, 0.9), min, max };
};
const ms = v => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : 'n/a');
const verdict = ok => (ok ? 'OK' : 'NOT MET');
const sleep = t => new Promise(resolve => setTimeout(resolve, t));

function launch() {
  return chromium.launch({
    executablePath: process.env.KM_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ]
  });
}

/**
 * Runs in every page before JupyterLab: keeps the long animation frames,
 * notes when JupyterLab shows itself (its splash screen removed), and
 * provides `arm(spec)`: t0 = the trigger event (capture phase; `key`,
 * `selector` narrow it, `last` keeps the latest), t1 = the first time
 * `__bench.ready[spec.ready](spec.args, marks)` holds (checked on every DOM
 * change and every 50 ms), t2 = the next animation frame ("rendered"), t3 =
 * a message posted from it, after that frame's style, layout and paint
 * ("painted"). `__bench.done` resolves with the marks.
 */
function probe() {
  const bench = { frames: [], ready: {}, after: {}, splashGone: null };
  window.__bench = bench;
  if (
    PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')
  ) {
    new PerformanceObserver(list => {
      for (const f of list.getEntries()) {
        bench.frames.push({
          start: f.startTime,
          duration: f.duration,
          script: f.renderStart ? f.renderStart - f.startTime : f.duration,
          scripts: f.scripts.map(s => ({
            source: (s.sourceURL || '').split('/').pop() || s.invoker,
            duration: s.duration
          }))
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  }
  bench.afterFrame = (marks, then) =>
    requestAnimationFrame(() => {
      marks.t2 = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        marks.t3 = performance.now();
        then?.(marks);
      };
      channel.port2.postMessage(null);
    });
  const splash = new MutationObserver(() => {
    if (document.getElementById('jupyterlab-splash')) {
      bench.splashSeen = true;
    } else if (bench.splashSeen) {
      bench.splashGone = performance.now();
      splash.disconnect();
    }
  });
  document.addEventListener('DOMContentLoaded', () =>
    splash.observe(document.body, { childList: true })
  );
  bench.arm = spec => {
    const marks = { t0: null, t1: null, t2: null, t3: null };
    const { trigger } = spec;
    let observer, poll, timer;
    const onTrigger = event => {
      const key = String(event.key).toLowerCase();
      if (trigger.key && key !== trigger.key.toLowerCase()) {
        return;
      }
      const target = event.target instanceof Element ? event.target : null;
      if (trigger.selector && !target?.closest(trigger.selector)) {
        return;
      }
      if (marks.t0 === null || trigger.last) {
        marks.t0 = performance.now();
      }
    };
    const stop = () => {
      observer.disconnect();
      clearInterval(poll);
      clearTimeout(timer);
      document.removeEventListener(trigger.type, onTrigger, true);
    };
    bench.done = new Promise((resolve, reject) => {
      const check = () => {
        if (marks.t0 === null || marks.t1 !== null) {
          return;
        }
        if (!bench.ready[spec.ready](spec.args, marks)) {
          return;
        }
        marks.t1 = performance.now();
        stop();
        bench.afterFrame(marks, () => {
          bench.after[spec.ready]?.(spec.args, marks);
          marks.longFrames = bench.frames
            .filter(
              f => f.start + f.duration >= marks.t0 && f.start <= marks.t3
            )
            .reduce((sum, f) => sum + f.duration, 0);
          resolve(marks);
        });
      };
      document.addEventListener(trigger.type, onTrigger, true);
      observer = new MutationObserver(check);
      observer.observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true
      });
      poll = setInterval(check, 50);
      timer = setTimeout(() => {
        stop();
        reject(new Error(`${spec.ready}: not done in ${spec.timeoutMs} ms`));
      }, spec.timeoutMs);
    });
  };
}

/** The Kernel Manager's tab in the left sidebar. */
const panelTab = page =>
  page.locator('.jp-SideBar [role="tab"][data-id="jp-kernel-manager"]');

const panelShown = page =>
  page.evaluate(() => {
    const panel = document.getElementById('jp-kernel-manager');
    return !!panel && panel.closest('.lm-mod-hidden') === null;
  });

/**
 * A fresh browser context at URL: JupyterLab up (main area visible, the
 * Kernel Manager's tab there, the splash screen gone). `init`: more scripts
 * [fn, arg] to run before JupyterLab's; `idle`: then wait until idle.
 */
async function openLab(browser, url, options = {}) {
  const { viewport = { width: 1280, height: 800 }, init = [] } = options;
  const context = await browser.newContext({
    viewport,
    storageState: options.storageState
  });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.addInitScript(probe);
  for (const [fn, arg] of init) {
    await page.addInitScript(fn, arg);
  }
  const errors = [];
  page.on('pageerror', error => errors.push(String(error)));
  const t = Date.now();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.locator('#jp-main-dock-panel').waitFor({ state: 'visible' });
  await panelTab(page).waitFor({ state: 'attached' });
  await page.waitForFunction(() => window.__bench.splashGone !== null);
  const loadMs = Date.now() - t;
  if (options.idle !== false) {
    await idle(page);
  }
  return { context, page, errors, loadMs };
}

async function idle(page, wait = 1000) {
  await page.waitForTimeout(wait);
  await page.evaluate(
    () =>
      new Promise(resolve => requestIdleCallback(resolve, { timeout: 3000 }))
  );
}

async function closePanel(page) {
  if (await panelShown(page)) {
    await panelTab(page).click();
    await page.waitForFunction(() =>
      document.getElementById('jp-kernel-manager').closest('.lm-mod-hidden')
    );
  }
}

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map(m => [m.name, m.value]));
}

/** Chrome's main-thread time (ms) between two `metrics()` readings. */
function cdpDelta(before, after, per = 1) {
  const d = key => ((after[key] - before[key]) * 1000) / per;
  return {
    scriptMs: d('ScriptDuration'),
    styleMs: d('RecalcStyleDuration'),
    layoutMs: d('LayoutDuration'),
    taskMs: d('TaskDuration')
  };
}

/**
 * Runs `action` under the CPU profiler when BENCH_PROFILE=DIR and `name`
 * are set; writes DIR/name.cpuprofile (Chrome DevTools opens it) and prints
 * the self time by script and the top functions.
 */
async function profiled(page, name, action) {
  if (!PROFILE_DIR || !name) {
    return action();
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  try {
    return await action();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    await cdp.detach();
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    const file = `${PROFILE_DIR}/${name}.cpuprofile`;
    fs.writeFileSync(file, JSON.stringify(profile));
    const nodes = new Map(profile.nodes.map(n => [n.id, n.callFrame]));
    const [byFn, byScript] = [new Map(), new Map()];
    const add = (map, key, t) => map.set(key, (map.get(key) || 0) + t);
    profile.samples.forEach((id, i) => {
      const { functionName: fn, url, lineNumber } = nodes.get(id);
      const t = (profile.timeDeltas[i] || 0) / 1000;
      const script = url ? url.split('/').pop().split('?')[0] : '(native)';
      if (fn !== '(idle)') {
        add(byFn, `${fn || '(anonymous)'} ${script}:${lineNumber + 1}`, t);
        add(byScript, script, t);
      }
    });
    const top = (map, n) =>
      [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
    console.log(`  CPU profile of ${name} → ${file}; self time by script:`);
    console.log(
      `    ${top(byScript, 8)
        .map(([s, t]) => `${s} ${ms(t)}`)
        .join(', ')}`
    );
    for (const [fn, t] of top(byFn, 12)) {
      console.log(`    ${t.toFixed(1).padStart(7)} ms  ${fn}`);
    }
  }
}

/**
 * Arms the page (see `probe`), runs `action`, and returns the marks, with
 * `rendered` = t2 − t0, `painted` = t3 − t0 and, given a CDP session,
 * Chrome's main-thread time meanwhile.
 */
async function measure(page, spec, action, { cdp, profile } = {}) {
  await page.evaluate(s => window.__bench.arm(s), {
    timeoutMs: 30000,
    ...spec
  });
  const before = cdp && (await metrics(cdp));
  const marks = await profiled(page, profile, async () => {
    await action();
    return page.evaluate(() => window.__bench.done);
  });
  if (cdp) {
    marks.cdp = cdpDelta(before, await metrics(cdp));
  }
  return {
    ...marks,
    rendered: marks.t2 - marks.t0,
    painted: marks.t3 - marks.t0
  };
}

/** node SCRIPT ARGS... RESULT_JSON: runs `body(args)`, writes its result. */
function main(body) {
  const args = process.argv.slice(2);
  const resultPath = args.pop();
  body(args)
    .then(result =>
      fs.writeFileSync(resultPath, JSON.stringify(result, null, 1))
    )
    .catch(error => {
      console.error(`browser bench failed: ${error.stack || error}`);
      process.exit(1);
    });
}

module.exports = {
  cdpDelta,
  closePanel,
  idle,
  launch,
  main,
  measure,
  median,
  metrics,
  ms,
  openLab,
  panelShown,
  panelTab,
  pct,
  profiled,
  sleep,
  stat,
  verdict
};
