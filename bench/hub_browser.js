// The Hub section in headless Chromium, as the hub admin, in the admin's
// JupyterLab served by the admin's server behind a real JupyterHub (run by
// hub_bench.py, which starts the hub, the users and the servers).
//
// Usage: node hub_browser.js CONFIG_JSON RESULT_JSON
//
// 1. Logs in through /hub/login (the form, with its _xsrf) and opens the
//    admin's JupyterLab once, keeping the cookies for the fresh pages below.
// 2. PAGES times, a fresh browser context at /user/admin/lab?reset. An init
//    script (before JupyterLab) wraps window.fetch to log the Hub section's
//    requests (its hub client sends `credentials: 'omit'`; JupyterLab's own
//    requests do not) and watches the DOM for the users table:
//    - first page: the section learns who we are (GET hub/api/user) when the
//      plugin activates, during JupyterLab's startup, and asks for the first
//      page of users (GET hub/api/users?offset=0&limit=50&sort=name) when it
//      is first shown (earlier builds asked for both at startup, whether or
//      not the panel was open: both cases are measured). t0 = the first fetch
//      call of that load (at startup, or of the opening);
//      t1 = the users table holds its first page of
//      rows (a MutationObserver); t2 = the next requestAnimationFrame callback
//      ("rendered"); t3 = a message posted from it, after that frame's style,
//      layout and paint ("painted"). Goal: t2 − t0 < 500 ms. Also from
//      navigation start, against when JupyterLab shows itself (its splash
//      screen removed), and where the time goes (resource timing of both
//      requests, long animation frames and their scripts). Should the section
//      ask only when it is first shown, the same is taken from the opening.
//    - open: Alt+Shift+K (keydown) → the users table is shown with its first
//      page.
//    - filter: the other sections collapsed, type a filter in "Filter users"
//      (40 ms between keys), t0 = the last key's keydown → the table holds
//      exactly the matching users (the hub filters, `name_filter`; the section
//      waits 150 ms after the last key before asking). Then select all +
//      Backspace → the first page again.
//    - paging: a click event on Next → the next page's rows; then Previous
//      (and whether a person could click the pager at all).
// 3. What each user runs, on the last page: "Which users" set to Running (the
//    admin and the running users), then Refresh Hub FANOUT_ROUNDS times per
//    case; t0 = the action (change event / mousedown). A row is settled when
//    the request that answers for it in this round has ended (or was given up
//    at the section's deadline) and its "Using" cell shows figures, "not
//    responding" or "unavailable" (not "asking…"); its time is the commit that
//    changed the cell, or the answer's arrival when the figures stayed the
//    same (the section keeps the last figures while it asks again). Done =
//    every row settled; t2/t3 as above. Two cases, alternating round by round:
//    - machine: as the test hub is configured (as root, like TLJH, the
//      admin's server names the hub user of each Unix account): the section
//      reads everybody's figures from one request to the admin's own server,
//      `kernel-manager/processes?all_users=1`.
//    - servers: as when users' servers run elsewhere (Kubernetes): the same
//      reply with every account's `hub_user` set to null in the page (the
//      fetch wrapper), which is what the server sends with
//      `hub_unix_user_template = ""`: the admin's own row still comes from it,
//      the others are asked server by server through the hub's proxy (the
//      fan-out). Goal: < 2 s with one server unresponsive.
//    Then the middle server of the fan-out's queue gets SIGSTOP (it still
//    accepts TCP connections, checked, but never answers): FANOUT_ROUNDS more
//    rounds per case; SIGCONT, and the same with the last server of the queue
//    stopped ("servers" only: the worst place for it); SIGCONT, and one more
//    "servers" round to see both answer again.
//
// Environment: BENCH_HUB_PAGES (5), BENCH_HUB_FANOUT_ROUNDS (5), KM_CHROMIUM
// (/usr/bin/chromium), BENCH_PROFILE=DIR (CPU profiles, for Chrome DevTools,
// of the first page's load until JupyterLab is idle, with the top scripts
// and functions and this extension's share printed, and of the first
// "servers" round with a server stopped).

'use strict';
'use strict';

const fs = require('fs');
const net = require('net');
const { chromium } = require('playwright-core');

const PAGES = Number(process.env.BENCH_HUB_PAGES || 5);
const FANOUT_ROUNDS = Number(process.env.BENCH_HUB_FANOUT_ROUNDS || 5);
const CHROMIUM = process.env.KM_CHROMIUM || '/usr/bin/chromium';
const PROFILE_DIR = process.env.BENCH_PROFILE || '';
const VIEWPORT = { width: 1280, height: 900 };
const TIMEOUT = 90000;
const HUB = '#jp-KernelManager-hub';

const median = values => {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stat = values => {
  const v = values.filter(Number.isFinite);
  return { n: v.length, median: median(v), min: Math.min(...v), max: Math.max(...v) };
};
const fmt = value => (Number.isFinite(value) ? `${value.toFixed(0).padStart(5)} ms` : '    – ms');
const short = value => fmt(value).trim();
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Runs in the page before JupyterLab. Logs requests (the Hub section's own
 * hub client is told by `credentials: 'omit'`), can blank `hub_user` in
 * all-users process lists (the "servers" case), marks the users table's first
 * page, keeps long animation frames, and provides `arm(spec)`: the marks of
 * one action (see the header).
 */
function probe({ firstPageRows }) {
  const bench = { log: [], frames: [], firstPage: null, done: null, stripHubUsers: false };
  window.__hubBench = bench;
  // JupyterLab loads hundreds of files: keep every resource timing entry.
  performance.setResourceTimingBufferSize(20000);

  const isAllUsers = url => url.pathname.endsWith('/kernel-manager/processes') &&
    url.searchParams.get('all_users') === '1';
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      location.href
    );
    const entry = {
      url: url.href,
      method: (init && init.method) || (input instanceof Request ? input.method : 'GET'),
      hub: !!init && init.credentials === 'omit',
      allUsers: isAllUsers(url),
      start: performance.now(),
      end: null,
      status: null,
      error: null
    };
    bench.log.push(entry);
    let reply = realFetch.call(this, input, init);
    reply.then(
      response => {
        entry.status = response.status;
        response.clone().arrayBuffer().then(
          () => { entry.end = performance.now(); },
          error => { entry.end = performance.now(); entry.error = error.name; }
        );
      },
      error => {
        entry.end = performance.now();
        entry.error = error.name;
      }
    );
    if (entry.allUsers && bench.stripHubUsers) {
      // What the server answers with hub_unix_user_template = "".
      reply = reply.then(async response => {
        if (!response.ok) {
          return response;
        }
        const data = await response.json();
        for (const group of data.users || []) {
          group.hub_user = null;
        }
        return new Response(JSON.stringify(data), {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers
        });
      });
    }
    return reply;
  };

  if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
    new PerformanceObserver(list => {
      for (const f of list.getEntries()) {
        bench.frames.push({
          start: f.startTime,
          duration: f.duration,
          scripts: f.scripts.map(x => ({
            source: (x.sourceURL || '').split('/').pop().split('?')[0] || x.invoker,
            fn: x.sourceFunctionName,
            duration: x.duration
          }))
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  }

  const afterFrame = (marks, then) => {
    requestAnimationFrame(() => {
      marks.t2 = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        marks.t3 = performance.now();
        then?.(marks);
      };
      channel.port2.postMessage(null);
    });
  };

  const tables = document.getElementsByClassName('jp-KernelManager-hubUsers');
  const userRows = table => table.querySelectorAll('tr[data-user]');
  const watch = new MutationObserver(() => {
    if (tables[0] && userRows(tables[0]).length >= firstPageRows) {
      watch.disconnect();
      bench.firstPage = { t1: performance.now(), rows: userRows(tables[0]).length, t2: null, t3: null };
      afterFrame(bench.firstPage);
    }
  });
  // JupyterLab's splash screen goes when its startup is over (app.restored):
  // when a person first sees JupyterLab.
  const splash = new MutationObserver(() => {
    const shown = document.getElementById('jupyterlab-splash') !== null;
    if (shown) {
      bench.splashSeen = true;
    } else if (bench.splashSeen) {
      bench.splashGone = performance.now();
      splash.disconnect();
    }
  });
  document.addEventListener('DOMContentLoaded', () => {
    watch.observe(document.body, { subtree: true, childList: true });
    splash.observe(document.body, { childList: true });
  });

  // "12 processes, 3% CPU, 80 MB", "… (not responding)", "unavailable"; not
  // empty, not "asking…" (alone or after figures).
  const isFinal = text => !!text && !text.includes('asking…');
  const late = text => /not responding|unavailable/.test(text);
  const usageUser = entry => {
    const m = /\/user\/([^/]+)\/kernel-manager\/processes$/.exec(new URL(entry.url).pathname);
    return m ? decodeURIComponent(m[1]) : null;
  };

  bench.arm = spec => {
    const section = document.querySelector('#jp-KernelManager-hub');
    const table = () => section.querySelector('table.jp-KernelManager-hubUsers');
    const rows = () => (table() ? Array.from(userRows(table())) : []);
    const cell = tr => tr.querySelector('td.jp-KernelManager-hubUsage');
    const using = tr => cell(tr)?.textContent.trim() ?? '';
    // The cell may hold a long and a short form of the same figures.
    const label = tr => (cell(tr)?.firstElementChild ?? cell(tr))?.textContent.trim() ?? '';
    const marks = { kind: spec.kind, t0: null, t1: null, t2: null, t3: null, rows: {} };
    // Per row: its text and when it last changed.
    const seen = new Map();
    const track = () => {
      const now = performance.now();
      for (const tr of rows()) {
        const name = tr.dataset.user;
        const text = using(tr);
        if (seen.get(name)?.text !== text) {
          seen.set(name, { text, label: label(tr), changedAt: now });
        }
      }
    };
    // The request that answers for a row this round: that user's server
    // through the hub's proxy (spec.perServer), else the page's own server's
    // all-users list. (Only the Hub section asks for all_users=1 unless the
    // Processes section is switched to all users.)
    const answerFor = name => bench.log.find(e => e.start >= marks.t0 &&
      (spec.perServer.includes(name) ? e.hub && usageUser(e) === name : e.allUsers));
    // A row is settled when its answer (or its deadline) has come and its
    // cell shows figures or why there are none; the section keeps a user's
    // last figures while it asks again, so unchanged figures count from the
    // answer's arrival, changed ones from the commit that showed them.
    const usageDone = r => {
      if (r.length !== spec.expect.length) {
        return false;
      }
      const names = new Set(r.map(tr => tr.dataset.user));
      if (!spec.expect.every(name => names.has(name))) {
        return false;
      }
      let all = true;
      for (const tr of r) {
        const name = tr.dataset.user;
        if (marks.rows[name]) {
          continue;
        }
        const entry = answerFor(name);
        const row = seen.get(name);
        const settled = entry && entry.end !== null && row && isFinal(row.text) &&
          (!entry.error || late(row.text));
        if (!settled) {
          all = false;
          continue;
        }
        marks.rows[name] = { entry };
      }
      return all;
    };
    const settle = () => {
      for (const [name, row] of Object.entries(marks.rows)) {
        const { entry } = row;
        const now = seen.get(name);
        const changed = now.changedAt >= entry.end - 2;
        marks.rows[name] = {
          shown: (changed ? now.changedAt : entry.end) - marks.t0,
          unchanged: !changed,
          asked: entry.start - marks.t0,
          answered: entry.end - marks.t0,
          error: entry.error,
          text: now.label,
          late: late(now.text)
        };
      }
    };
    const ready = () => {
      const r = rows();
      switch (spec.kind) {
        case 'open':
          return !!table() && table().getClientRects().length > 0 && r.length >= spec.rows;
        case 'filter':
          return r.length === spec.expected && r.every(tr => tr.dataset.user.includes(spec.filter));
        case 'rows':
          return r.length === spec.expected && r[0].dataset.user === spec.first;
        case 'usage':
          return usageDone(r);
      }
      throw new Error(`unknown kind ${spec.kind}`);
    };
    let observer, poll, timer, onTrigger;
    const cleanup = () => {
      observer.disconnect();
      clearInterval(poll);
      clearTimeout(timer);
      document.removeEventListener(spec.trigger.type, onTrigger, true);
    };
    bench.done = new Promise((resolve, reject) => {
      const check = () => {
        track();
        if (marks.t0 === null || marks.t1 !== null || !ready()) {
          return;
        }
        marks.t1 = performance.now();
        cleanup();
        afterFrame(marks, () => {
          track();
          if (spec.kind === 'usage') {
            settle();
          }
          // The network's end of each request (resource timing), besides
          // when the page read the body.
          const netEnd = e => performance.getEntriesByName(e.url)
            .find(r => Math.abs(r.startTime - e.start) < 5)?.responseEnd;
          marks.requests = bench.log.filter(e => e.start >= marks.t0 && (e.hub || e.allUsers)).map(e => ({
            path: new URL(e.url).pathname + new URL(e.url).search,
            hub: e.hub,
            allUsers: e.allUsers,
            start: e.start - marks.t0,
            end: e.end === null ? null : e.end - marks.t0,
            netEnd: netEnd(e) === undefined ? null : netEnd(e) - marks.t0,
            status: e.status,
            error: e.error
          }));
          marks.longFrames = bench.frames
            .filter(f => f.start + f.duration >= marks.t0 && f.start <= marks.t3)
            .reduce((sum, f) => sum + f.duration, 0);
          resolve(marks);
        });
      };
      onTrigger = event => {
        const trigger = spec.trigger;
        if (trigger.key && String(event.key).toLowerCase() !== trigger.key.toLowerCase()) {
          return;
        }
        if (trigger.selector && !(event.target instanceof Element && event.target.closest(trigger.selector))) {
          return;
        }
        if (marks.t0 === null || trigger.last) {
          marks.t0 = performance.now();
        }
      };
      document.addEventListener(spec.trigger.type, onTrigger, true);
      observer = new MutationObserver(check);
      observer.observe(section, { subtree: true, childList: true, characterData: true, attributes: true });
      // Also when no mutation follows (nothing left to change).
      poll = setInterval(check, 50);
      timer = setTimeout(() => {
        cleanup();
        const r = rows();
        reject(new Error(
          `${spec.kind}: not done within ${spec.timeoutMs} ms (t0 ${marks.t0 === null ? 'not seen' : 'seen'}; ` +
          `${r.length} rows: ${r.slice(0, 25).map(tr => `${tr.dataset.user}=${using(tr)}`).join(', ')})`
        ));
      }, spec.timeoutMs);
    });
  };
}

/** Arms the page, runs `action`, and returns the marks. */
async function measure(page, spec, action) {
  await page.evaluate(s => window.__hubBench.arm(s), { timeoutMs: 30000, ...spec });
  await action();
  return page.evaluate(() => window.__hubBench.done);
}

async function waitForIdle(page, ms = 1000) {
  await page.waitForTimeout(ms);
  await page.evaluate(() => new Promise(resolve =>
    requestIdleCallback(() => resolve(), { timeout: 3000 })));
}

function labUrl(config) {
  return `${config.hubUrl}user/${config.user}/lab?reset`;
}

/** Logs in through the hub's login form; returns the cookies. */
async function login(browser, config) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const t = Date.now();
  await page.goto(`${config.hubUrl}hub/login`, { timeout: TIMEOUT });
  await page.locator('#username_input').fill(config.user);
  await page.locator('#password_input').fill(config.password);
  await Promise.all([
    page.waitForURL(url => !url.pathname.endsWith('/hub/login'), { timeout: TIMEOUT }),
    page.locator('#login_submit').click()
  ]);
  const loginMs = Date.now() - t;
  // The OAuth round to the admin's own server, once: its cookie is kept too.
  await page.goto(labUrl(config), { timeout: TIMEOUT });
  await page.locator('#jp-main-dock-panel').waitFor({ state: 'visible', timeout: TIMEOUT });
  const state = await context.storageState();
  await context.close();
  console.log(`  logged in as ${config.user} through /hub/login in ${loginMs} ms`);
  return state;
}

/**
 * Self time per script file and per function of a CDP CPU profile, largest
 * first, and the time with this extension's code anywhere on the stack (React
 * rendering its components included).
 */
function profileSummary(profile, top = 12) {
  const nodes = new Map(profile.nodes.map(node => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) {
    for (const child of node.children || []) {
      parent.set(child, node.id);
    }
  }
  const oursMemo = new Map();
  const ours = id => {
    if (id === undefined) {
      return false;
    }
    if (!oursMemo.has(id)) {
      oursMemo.set(id, nodes.get(id).callFrame.url.includes('/jupyterlab-kernel-manager/') || ours(parent.get(id)));
    }
    return oursMemo.get(id);
  };
  const byFunction = new Map();
  const byScript = new Map();
  let total = 0;
  let extension = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] || 0) / 1000;
    if (ours(id)) {
      extension += ms;
    }
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const script = url ? url.split('/').pop().split('?')[0] : `(${functionName || 'native'})`;
    const name = `${functionName || '(anonymous)'} ${script}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) || 0) + ms);
    byScript.set(script, (byScript.get(script) || 0) + ms);
    total += ms;
  });
  const largest = map => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { total, extension, scripts: largest(byScript), functions: largest(byFunction) };
}

async function newPage(browser, config, state, profileName = '') {
  const context = await browser.newContext({ viewport: VIEWPORT, storageState: state });
  const page = await context.newPage();
  let cdp = null;
  if (profileName) {
    cdp = await context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  page.setDefaultTimeout(TIMEOUT);
  await page.addInitScript(probe, { firstPageRows: Math.min(config.pageSize, config.total) });
  const errors = [];
  page.on('pageerror', error => errors.push(String(error)));
  const t = Date.now();
  await page.goto(labUrl(config), { waitUntil: 'domcontentloaded', timeout: TIMEOUT });
  await page.locator('#jp-main-dock-panel').waitFor({ state: 'visible', timeout: TIMEOUT });
  // JupyterLab's startup is over (its splash screen gone); the section may
  // have rendered its first page by then, hidden in the closed panel, or wait
  // until it is shown.
  await page.waitForFunction(() => window.__hubBench.splashGone || window.__hubBench.firstPage?.t3,
    null, { timeout: TIMEOUT });
  await waitForIdle(page, 1500);
  let profile = null;
  if (cdp) {
    ({ profile } = await cdp.send('Profiler.stop'));
    await cdp.detach();
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    const file = `${PROFILE_DIR}/${profileName}.cpuprofile`;
    fs.writeFileSync(file, JSON.stringify(profile));
    const summary = profileSummary(profile);
    console.log(`  CPU profile of the page's load (${summary.total.toFixed(0)} ms sampled, ` +
      `${summary.extension.toFixed(0)} ms with this extension's code on the stack) → ${file}`);
    console.log('    self time by script: ' +
      summary.scripts.map(([script, ms]) => `${script} ${ms.toFixed(0)}`).join(', '));
    for (const [fn, ms] of summary.functions) {
      console.log(`    ${ms.toFixed(1).padStart(7)} ms  ${fn}`);
    }
    profile = summary;
  }
  await waitForIdle(page);
  return { context, page, errors, loadMs: Date.now() - t, profile };
}

/**
 * Where the first page's time went, from the page's own records, when the
 * section rendered it during JupyterLab's startup; else null.
 */
async function firstPage(page) {
  return page.evaluate(() => {
    const b = window.__hubBench;
    const fp = b.firstPage;
    if (!fp?.t3) {
      return null;
    }
    const path = e => new URL(e.url).pathname;
    const hub = b.log.filter(e => e.hub);
    const me = hub.find(e => path(e).endsWith('/hub/api/user'));
    const users = hub.find(e => path(e).endsWith('/hub/api/users'));
    // Resource timing: waiting for a connection, the server's answer, and
    // how much later the page got to read the body (a busy main thread).
    const timing = e => {
      const r = performance.getEntriesByName(e.url).find(x => x.startTime >= e.start - 1);
      return r
        ? {
            queued: r.requestStart - r.startTime,
            ttfb: r.responseStart - r.requestStart,
            network: r.responseEnd - r.startTime,
            mainThreadWait: e.end - e.start - (r.responseEnd - r.startTime)
          }
        : {};
    };
    const nav = performance.getEntriesByType('navigation')[0];
    const frames = b.frames.filter(f => f.start + f.duration >= me.start && f.start <= fp.t2);
    // Which scripts those long frames ran, by file.
    const byScript = {};
    for (const f of frames) {
      for (const x of f.scripts) {
        byScript[x.source] = (byScript[x.source] || 0) + x.duration;
      }
    }
    return {
      when: 'at startup',
      asked: me.start,
      domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
      rendered: fp.t2 - me.start,
      painted: fp.t3 - me.start,
      fromNavigation: fp.t2,
      // Negative: the first page was rendered (hidden) before JupyterLab
      // showed itself.
      afterSplash: b.splashGone ? fp.t2 - b.splashGone : null,
      splashGone: b.splashGone ?? null,
      rows: fp.rows,
      hubRequestsBefore: hub.filter(e => e.start < users.start).map(e => path(e)),
      user: { ms: me.end - me.start, ...timing(me) },
      users: { ms: users.end - users.start, url: new URL(users.url).search, ...timing(users) },
      // After the users reply was read: model, React commit, next frame.
      reply2rendered: fp.t2 - users.end,
      longFrames: frames.reduce((sum, f) => sum + f.duration, 0),
      longFrameScripts: Object.entries(byScript).sort((x, y) => y[1] - x[1]).slice(0, 6)
    };
  });
}

async function collapseOthers(page) {
  const titles = page.locator('#jp-kernel-manager .jp-AccordionPanel-title');
  for (let i = 0; i < (await titles.count()); i++) {
    const title = titles.nth(i);
    const isHub = (await title.getAttribute('aria-controls')) === 'jp-KernelManager-hub';
    const expanded = (await title.getAttribute('aria-expanded')) === 'true';
    if (isHub !== expanded) {
      await title.click();
      await page.waitForTimeout(200);
    }
  }
}

/**
 * Alt+Shift+K → the users table shows its first page. When the section asks
 * the hub only then, also where that time went.
 */
async function openPanel(page, config) {
  const open = () => page.evaluate(() => {
    const panel = document.getElementById('jp-kernel-manager');
    return !!panel && panel.closest('.lm-mod-hidden') === null;
  });
  if (await open()) {
    await page.locator('.jp-SideBar li[data-id="jp-kernel-manager"]').click();
    await page.waitForTimeout(300);
  }
  const marks = await measure(page,
    { kind: 'open', rows: Math.min(config.pageSize, config.total), trigger: { type: 'keydown', key: 'k' } },
    () => page.keyboard.press('Alt+Shift+K'));
  const hub = marks.requests.filter(r => r.hub && r.start <= marks.t1 - marks.t0);
  const find = suffix => hub.find(r => new URL(r.path, 'http://x').pathname.endsWith(suffix));
  const me = find('/hub/api/user');
  const users = find('/hub/api/users');
  return {
    rendered: marks.t2 - marks.t0,
    painted: marks.t3 - marks.t0,
    hubRequests: hub.length,
    // The first page came with the opening (the section asked the hub then:
    // GET user too, or only GET users when the page learnt who we are at
    // startup). Timed from the section's first request of the opening.
    asked: users && users.end <= marks.t1 - marks.t0
      ? {
          when: me ? 'on opening' : 'on opening (GET user answered at startup)',
          rendered: marks.t2 - marks.t0 - (me ?? users).start,
          painted: marks.t3 - marks.t0 - (me ?? users).start,
          user: me ? { ms: me.end - me.start } : {},
          users: { ms: users.end - users.start },
          reply2rendered: marks.t2 - marks.t0 - users.end,
          longFrames: marks.longFrames
        }
      : null
  };
}

async function filterRounds(page, config) {
  const input = page.locator(`${HUB} input[type="search"]`);
  const filter = [];
  const clear = [];
  for (const { filter: text, expected } of config.filters) {
    await input.focus();
    const marks = await measure(page,
      { kind: 'filter', filter: text, expected, trigger: { type: 'keydown', key: text.slice(-1), last: true } },
      () => page.keyboard.type(text, { delay: 40 }));
    const request = marks.requests.find(r => r.hub && r.path.includes(`name_filter=${text}`));
    filter.push({
      filter: text,
      rows: expected,
      rendered: marks.t2 - marks.t0,
      painted: marks.t3 - marks.t0,
      debounce: request.start,
      hub: request.end - request.start,
      reply2rendered: marks.t2 - marks.t0 - request.end
    });
    await waitForIdle(page, 300);
    await input.focus();
    await page.keyboard.press('Control+A');
    const back = await measure(page,
      {
        kind: 'rows',
        expected: Math.min(config.pageSize, config.total),
        first: config.pageFirsts[0],
        trigger: { type: 'keydown', key: 'Backspace' }
      },
      () => page.keyboard.press('Backspace'));
    clear.push({ rendered: back.t2 - back.t0, painted: back.t3 - back.t0 });
    await waitForIdle(page, 300);
  }
  return { filter, clear };
}

/**
 * Whether a person could click the pager: the Next button is in the viewport
 * and nothing covers it.
 */
async function pagerReachable(page) {
  return page.evaluate(selector => {
    const button = [...document.querySelectorAll(selector)].find(b => b.textContent.trim() === 'Next');
    if (!button) {
      return false;
    }
    button.scrollIntoView({ block: 'nearest' });
    const r = button.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit === button || button.contains(hit);
  }, `${HUB} .jp-KernelManager-hubPager button`);
}

async function pagingRounds(page, config) {
  // A click event on the button, as a mouse click sends it: the pager may be
  // out of reach (see pagerReachable), and this measures the round trip all
  // the same.
  const button = name => page.locator(`${HUB} .jp-KernelManager-hubPager button`, { hasText: name });
  const out = [];
  const turns = Math.min(3, config.pageFirsts.length - 1);
  const sequence = [
    ...Array.from({ length: turns }, (_, i) => ['Next', i + 1]),
    ...Array.from({ length: turns }, (_, i) => ['Previous', turns - i - 1])
  ];
  for (const [name, index] of sequence) {
    const marks = await measure(page,
      {
        kind: 'rows',
        expected: Math.min(config.pageSize, config.total - index * config.pageSize),
        first: config.pageFirsts[index],
        trigger: { type: 'click', selector: '.jp-KernelManager-hubPager button' }
      },
      () => button(name).dispatchEvent('click'));
    const request = marks.requests.find(r => r.hub && new URL(r.path, 'http://x').pathname.endsWith('/hub/api/users'));
    out.push({
      button: name,
      rendered: marks.t2 - marks.t0,
      painted: marks.t3 - marks.t0,
      hub: request ? request.end - request.start : NaN
    });
    await waitForIdle(page, 300);
  }
  return out;
}

function procState(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
  } catch {
    return null;
  }
}

/** Connects to the server's own port: accepted, and no answer within 1 s? */
function probeUnresponsive(port) {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1');
    const out = { connected: false, answered: false };
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, 1000);
    socket.on('connect', () => {
      out.connected = true;
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', () => {
      out.answered = true;
      done();
    });
    socket.on('error', error => {
      out.error = error.message;
      done();
    });
  });
}

/**
 * In-flight maximum of requests, from their start and their end on the
 * network (the page may read a body later, after the section has sent the
 * next request), or, without resource timing (aborted), when it was read.
 */
function maxInFlight(requests) {
  const events = requests
    .flatMap(r => [[r.start, 1], [r.netEnd ?? r.end ?? Infinity, -1]])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, delta] of events) {
    now += delta;
    max = Math.max(max, now);
  }
  return max;
}

function summarizeRound(marks, mode, label, stopped) {
  const rows = Object.entries(marks.rows).map(([user, r]) => ({ user, ...r }));
  const perServer = marks.requests.filter(r => r.hub && r.path.includes('/kernel-manager/processes'));
  const allUsers = marks.requests.filter(r => r.allUsers);
  const answered = perServer.filter(r => r.status === 200 && !r.error && r.end !== null);
  return {
    mode,
    label,
    stoppedUser: stopped,
    rendered: marks.t2 - marks.t0,
    painted: marks.t3 - marks.t0,
    rows: rows.length,
    // The section's path this round: one all-users request, or per server.
    path: perServer.length === 0 ? 'machine' : 'servers',
    allUsersMs: allUsers.length ? allUsers[0].end - allUsers[0].start : NaN,
    allUsersEnd: allUsers.length ? allUsers[0].end : NaN,
    perServerRequests: perServer.length,
    perServerUsers: new Set(perServer.map(r => /\/user\/([^/]+)\//.exec(r.path)?.[1])).size,
    firstPerServer: perServer.length ? Math.min(...perServer.map(r => r.start)) : NaN,
    perServerMedian: median(answered.map(r => r.end - r.start)),
    perServerMax: answered.length ? Math.max(...answered.map(r => r.end - r.start)) : NaN,
    aborted: perServer.filter(r => r.error === 'AbortError').length,
    maxInFlight: maxInFlight(perServer),
    othersShown: Math.max(...rows.filter(r => r.user !== stopped).map(r => r.shown)),
    stoppedShown: rows.find(r => r.user === stopped)?.shown ?? NaN,
    stoppedText: rows.find(r => r.user === stopped)?.text ?? null,
    stoppedLate: rows.find(r => r.user === stopped)?.late ?? false,
    // When the stopped server was first asked (its request sent).
    stoppedAsked: Math.min(...perServer.filter(r => r.path.includes(`/user/${stopped}/`)).map(r => r.start)),
    slowestAnswer: Math.max(...perServer.filter(r => r.status === 200 && !r.error)
      .map(r => (r.netEnd ?? r.end) - r.start)),
    late: rows.filter(r => r.late).map(r => `${r.user}: ${r.text}`),
    unchangedRows: rows.filter(r => r.unchanged).length,
    hubApi: marks.requests.filter(r => r.hub && r.path.includes('/hub/api/')).map(r => ({
      path: r.path, ms: r.end === null ? null : r.end - r.start
    })),
    longFrames: marks.longFrames,
    perRow: rows,
    requests: marks.requests
  };
}

function printRound(r) {
  const source = r.path === 'machine'
    ? `one all-users request ${short(r.allUsersMs)}`
    : `${r.perServerRequests} requests to ${r.perServerUsers} servers (median ${short(r.perServerMedian)}, ` +
      `max ${short(r.perServerMax)}, ${r.maxInFlight} at once` + (r.aborted ? `, ${r.aborted} aborted` : '') + ')';
  const stopped = r.stoppedLate
    ? `; ${r.stoppedUser} "${r.stoppedText}" at ${short(r.stoppedShown)}, the others by ${short(r.othersShown)}`
    : '';
  const others = r.late.filter(x => !x.startsWith(`${r.stoppedUser}:`));
  console.log(
    `    ${r.label.padEnd(34)} ${r.rows} rows ${fmt(r.rendered)} (painted ${short(r.painted)}); ${source}${stopped}` +
      (others.length ? `; also late: ${others.join(', ')}` : '')
  );
}

async function withProfile(page, name, run) {
  if (!PROFILE_DIR || !name) {
    return run();
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    fs.mkdirSync(PROFILE_DIR, { recursive: true });
    const file = `${PROFILE_DIR}/${name}.cpuprofile`;
    fs.writeFileSync(file, JSON.stringify(profile));
    console.log(`    CPU profile → ${file}`);
    await cdp.detach();
  }
}

/** SIGSTOP to a server; checks that it accepts connections and never answers. */
async function stopServer({ pid, port, user }) {
  process.kill(pid, 'SIGSTOP');
  for (let i = 0; i < 20 && procState(pid) !== 'T'; i++) {
    await sleep(50);
  }
  const probe = { user, state: procState(pid), ...(await probeUnresponsive(port)) };
  console.log(
    `    SIGSTOP to ${user}'s server (pid ${pid}): state ${probe.state}; its port ` +
      `${probe.connected ? 'accepts connections' : 'refuses connections'}, ` +
      `${probe.answered ? 'and answers (!)' : 'no answer within 1 s'}`
  );
  if (probe.state !== 'T' || probe.answered || !probe.connected) {
    throw new Error(`${user}'s server is not unresponsive as intended`);
  }
  return probe;
}

/**
 * "Running" selected, then Refresh Hub rounds alternating the two cases: all
 * answering; the middle server of the fan-out's queue stopped; (servers case)
 * the last one stopped; resumed.
 */
async function usage(page, config) {
  const expect = config.running;
  // The section's toolbar sits in its accordion title.
  const refreshSelector = '.jp-AccordionPanel-title[aria-controls="jp-KernelManager-hub"] .jp-ToolbarButtonComponent';
  const refresh = page.locator(refreshSelector).first();
  const select = page.locator(`${HUB} select[aria-label="Which users"]`);
  const [middle, last] = config.stopped;
  const out = {
    running: null,
    machine: { answering: [], stopped: [] },
    servers: { answering: [], stopped: [], lastStopped: [] },
    resumed: null,
    probes: []
  };
  const setMode = mode => page.evaluate(strip => { window.__hubBench.stripHubUsers = strip; }, mode === 'servers');
  // Which rows are asked server by server: in the "servers" case all but the
  // page's own user, whose figures come from its own server.
  const perServer = mode => (mode === 'servers' ? expect.filter(name => name !== config.user) : []);
  const round = async (mode, label, stopped = null, profileName = '') => {
    await setMode(mode);
    const marks = await withProfile(page, profileName, () => measure(page,
      { kind: 'usage', expect, perServer: perServer(mode), trigger: { type: 'mousedown', selector: refreshSelector } },
      () => refresh.click()));
    const summary = summarizeRound(marks, mode, label, stopped);
    printRound(summary);
    await waitForIdle(page);
    return summary;
  };

  console.log(`  what each user runs, ${expect.length} running servers (the admin's and ${expect.length - 1} users')`);
  await setMode('machine');
  const marks = await measure(page,
    { kind: 'usage', expect, perServer: [], trigger: { type: 'change', selector: `${HUB} select` } },
    () => select.selectOption('ready'));
  out.running = summarizeRound(marks, 'machine', '"Running" selected', null);
  printRound(out.running);
  await waitForIdle(page);

  for (let i = 0; i < FANOUT_ROUNDS; i++) {
    out.machine.answering.push(await round('machine', `machine, all answer ${i + 1}`));
    out.servers.answering.push(await round('servers', `servers, all answer ${i + 1}`));
  }
  try {
    out.probes.push(await stopServer(middle));
    for (let i = 0; i < FANOUT_ROUNDS; i++) {
      out.machine.stopped.push(await round('machine', `machine, ${middle.user} stopped ${i + 1}`, middle.user));
      out.servers.stopped.push(await round('servers', `servers, ${middle.user} stopped ${i + 1}`, middle.user,
        i === 0 && PROFILE_DIR ? 'servers-one-stopped' : ''));
    }
    process.kill(middle.pid, 'SIGCONT');
    await sleep(2000);
    out.probes.push(await stopServer(last));
    for (let i = 0; i < FANOUT_ROUNDS; i++) {
      out.servers.lastStopped.push(await round('servers', `servers, ${last.user} stopped ${i + 1}`, last.user));
    }
  } finally {
    process.kill(middle.pid, 'SIGCONT');
    process.kill(last.pid, 'SIGCONT');
  }
  // The late request of the last round may still be waiting.
  await sleep(6000);
  out.resumed = await round('servers', 'servers, both resumed');
  return out;
}

async function main() {
  const [configPath, resultPath] = process.argv.slice(2);
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
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
  let use = null;
  try {
    console.log(`Browser (Chromium ${version}, ${PAGES} fresh pages at ${VIEWPORT.width}x${VIEWPORT.height})`);
    const state = await login(browser, config);
    for (let run = 1; run <= PAGES; run++) {
      const { context, page, errors, loadMs, profile } = await newPage(browser, config, state,
        PROFILE_DIR && run === 1 ? 'first-page-load' : '');
      const startup = await firstPage(page);
      const open = await openPanel(page, config);
      const first = startup ?? open.asked;
      if (!first) {
        throw new Error('the users table was there neither after startup nor did the opening ask the hub');
      }
      await collapseOthers(page);
      await waitForIdle(page, 500);
      const { filter, clear } = await filterRounds(page, config);
      const reachable = await pagerReachable(page);
      if (!reachable && run === 1) {
        console.log('  !! the pager (Previous / Next) cannot be clicked: it is below the end of the Hub ' +
          'section, which does not scroll; paging is measured with click events sent to the buttons');
      }
      const paging = await pagingRounds(page, config);
      console.log(
        `  page ${run}: loaded in ${(loadMs / 1000).toFixed(1)} s; first page ${first.when}, ${short(first.rendered)} after ` +
          `the section asked (painted ${short(first.painted)}; GET user ${short(first.user.ms)} [server ` +
          `${short(first.user.ttfb)}], GET users ${short(first.users.ms)} [server ${short(first.users.ttfb)}], ` +
          `reply → rendered ${short(first.reply2rendered)}; long frames ${short(first.longFrames)}` +
          (first.longFrameScripts ? `: ${first.longFrameScripts.slice(0, 3).map(([f, d]) => `${f} ${d.toFixed(0)}`).join(', ')}` : '') +
          (first.fromNavigation ? `; ${short(first.fromNavigation)} from navigation` : '') +
          `); open → first page shown ${short(open.rendered)}` +
          (open.hubRequests ? ` (${open.hubRequests} hub requests meanwhile)` : '') + '; filter ' +
          `${short(median(filter.map(f => f.rendered)))} (hub ${short(median(filter.map(f => f.hub)))}); ` +
          `page ${short(median(paging.map(p => p.rendered)))}` +
          (errors.length ? `; ${errors.length} page error(s): ${errors[0]}` : '')
      );
      if (run === PAGES) {
        use = await usage(page, config);
      }
      pages.push({ loadMs, first, open, filter, clear, paging, pagerReachable: reachable, errors, profile });
      await context.close();
    }
  } finally {
    await browser.close();
  }

  const firsts = pages.map(p => p.first);
  const summary = {
    firstPageRendered: stat(firsts.map(f => f.rendered)),
    firstPagePainted: stat(firsts.map(f => f.painted)),
    firstPageFromNavigation: stat(firsts.map(f => f.fromNavigation)),
    splashGone: stat(firsts.map(f => f.splashGone)),
    firstPageAfterSplash: stat(firsts.map(f => f.afterSplash)),
    firstPageGetUser: stat(firsts.map(f => f.user.ms)),
    firstPageGetUsers: stat(firsts.map(f => f.users.ms)),
    firstPageUsersTtfb: stat(firsts.map(f => f.users.ttfb)),
    firstPageUserTtfb: stat(firsts.map(f => f.user.ttfb)),
    firstPageMainThreadWait: stat(firsts.map(f => (f.user.mainThreadWait ?? NaN) + (f.users.mainThreadWait ?? NaN))),
    firstPageReplyToRendered: stat(firsts.map(f => f.reply2rendered)),
    firstPageLongFrames: stat(firsts.map(f => f.longFrames)),
    open: stat(pages.map(p => p.open.rendered)),
    filterRendered: stat(pages.flatMap(p => p.filter.map(f => f.rendered))),
    filterPainted: stat(pages.flatMap(p => p.filter.map(f => f.painted))),
    filterDebounce: stat(pages.flatMap(p => p.filter.map(f => f.debounce))),
    filterHub: stat(pages.flatMap(p => p.filter.map(f => f.hub))),
    filterReplyToRendered: stat(pages.flatMap(p => p.filter.map(f => f.reply2rendered))),
    clearRendered: stat(pages.flatMap(p => p.clear.map(c => c.rendered))),
    pageRendered: stat(pages.flatMap(p => p.paging.map(c => c.rendered))),
    pageHub: stat(pages.flatMap(p => p.paging.map(c => c.hub)))
  };
  const cases = {};
  const [middle, last] = config.stopped;
  for (const mode of ['machine', 'servers']) {
    const c = use[mode];
    cases[mode] = {
      paths: [...new Set([...c.answering, ...c.stopped].map(r => r.path))],
      answering: stat(c.answering.map(r => r.rendered)),
      answeringAllUsers: stat(c.answering.map(r => r.allUsersMs)),
      answeringPerServer: stat(c.answering.map(r => r.perServerMedian)),
      answeringFromFirstPerServer: stat(c.answering.map(r => r.rendered - r.firstPerServer)),
      stopped: stat(c.stopped.map(r => r.rendered)),
      stoppedOthersShown: stat(c.stopped.map(r => r.othersShown)),
      stoppedRowShown: stat(c.stopped.map(r => r.stoppedShown)),
      stoppedRowStates: [...new Set(c.stopped.map(r => (r.stoppedLate ? 'not responding' : 'its figures')))],
      stoppedRowAsked: stat(c.stopped.map(r => r.stoppedAsked)),
      stoppedRowWait: stat(c.stopped.map(r => r.stoppedShown - r.stoppedAsked)),
      slowestAnswer: Math.max(...[...c.answering, ...c.stopped].map(r => r.slowestAnswer).filter(Number.isFinite))
    };
  }
  const lastRounds = use.servers.lastStopped;
  Object.assign(cases.servers, {
    lastStopped: stat(lastRounds.map(r => r.rendered)),
    lastStoppedOthersShown: stat(lastRounds.map(r => r.othersShown)),
    lastStoppedRowShown: stat(lastRounds.map(r => r.stoppedShown)),
    lastStoppedRowAsked: stat(lastRounds.map(r => r.stoppedAsked)),
    lastStoppedRowWait: stat(lastRounds.map(r => r.stoppedShown - r.stoppedAsked)),
    slowestAnswer: Math.max(cases.servers.slowestAnswer, ...lastRounds.map(r => r.slowestAnswer).filter(Number.isFinite))
  });
  summary.usage = {
    runningSelected: use.running.rendered,
    ...cases,
    resumed: use.resumed.rendered,
    resumedRows: use.resumed.perRow.filter(r => r.user === middle.user || r.user === last.user).map(r => r.text)
  };

  const s = summary;
  const line = (label, x) =>
    console.log(`  ${label.padEnd(64)} ${fmt(x.median)} ${fmt(x.min)} ${fmt(x.max)}  ${String(x.n).padStart(3)}`);
  const filterRows = config.filters.map(f => f.expected).join('/');
  console.log(`\n  ${''.padEnd(64)} ${'median'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}    n`);
  const whens = [...new Set(firsts.map(f => f.when))].join(' / ');
  const firstRows = Math.min(config.pageSize, config.total);
  line(`first page (${whens}): the section asks the hub → ${firstRows} rows rendered (rAF)`, s.firstPageRendered);
  line('  … painted', s.firstPagePainted);
  line('  … GET hub/api/user (fetch → body read)', s.firstPageGetUser);
  line('  … GET hub/api/users (fetch → body read)', s.firstPageGetUsers);
  line('  … GET hub/api/user, request sent → first byte (the hub)', s.firstPageUserTtfb);
  line('  … GET hub/api/users, request sent → first byte (the hub)', s.firstPageUsersTtfb);
  line('  … both: body arrived → read by the page (busy main thread)', s.firstPageMainThreadWait);
  line('  … users reply read → rendered', s.firstPageReplyToRendered);
  line('  … long animation frames in that window (sum)', s.firstPageLongFrames);
  line('first page from navigation start (rAF)', s.firstPageFromNavigation);
  line('JupyterLab shown (its splash screen removed) from navigation start', s.splashGone);
  line('first page rendered − JupyterLab shown (< 0: ready before)', s.firstPageAfterSplash);
  line('open panel (Alt+Shift+K) → users table shows its first page (rAF)', s.open);
  line(`filter: last key → ${filterRows} matching rows rendered (rAF)`, s.filterRendered);
  line('  … painted', s.filterPainted);
  line('  … last key → request (the section\'s typing pause)', s.filterDebounce);
  line('  … GET hub/api/users?name_filter (fetch → body read)', s.filterHub);
  line('  … reply read → rendered', s.filterReplyToRendered);
  line('clear the filter (Backspace) → first page rendered', s.clearRendered);
  line('Next / Previous → that page rendered', s.pageRendered);
  line('  … GET hub/api/users (fetch → body read)', s.pageHub);
  const n = config.running.length;
  for (const mode of ['machine', 'servers']) {
    const c = s.usage[mode];
    console.log(`  what each user runs, ${n} running servers, case "${mode}" (path taken: ${c.paths.join(', ')}):`);
    line('  Refresh → every row shows figures, all answering', c.answering);
    if (mode === 'machine') {
      line('    … the all-users request (fetch → body read)', c.answeringAllUsers);
    } else {
      line('    … from the first per-server request', c.answeringFromFirstPerServer);
      line('    … one per-server request (median per round)', c.answeringPerServer);
    }
    line(`  Refresh → every row final, ${middle.user}'s server stopped (${middle.position} of ${n - 1} in the queue)`, c.stopped);
    line('    … every other row shown', c.stoppedOthersShown);
    line(`    … ${middle.user}'s row shown (${c.stoppedRowStates.join(' / ')})`, c.stoppedRowShown);
    if (mode === 'servers') {
      line(`    … ${middle.user}'s server asked (its request sent)`, c.stoppedRowAsked);
      line('    … asked → "not responding" shown (the section\'s deadline)', c.stoppedRowWait);
      line(`  Refresh → every row final, ${last.user}'s server stopped (last in the queue)`, c.lastStopped);
      line('    … every other row shown', c.lastStoppedOthersShown);
      line(`    … ${last.user}'s server asked (its request sent)`, c.lastStoppedRowAsked);
      line('    … asked → "not responding" shown (the section\'s deadline)', c.lastStoppedRowWait);
      console.log(`    slowest answer of a running server in these rounds: ${short(c.slowestAnswer)}`);
    }
  }

  const firstMs = s.firstPageRendered.median;
  const fan = s.usage.servers;
  const fanMs = Math.max(fan.stopped.median, fan.lastStopped.median);
  const result = {
    chromium: version,
    viewport: VIEWPORT,
    config: { ...config, password: undefined },
    summary,
    pages,
    usage: use,
    verdicts: [
      `first users page (${firstRows} of ${config.total.toLocaleString('en')} users, asked ${whens}): the section asks the hub → ` +
        `rendered, median ${firstMs.toFixed(0)} ms over ${pages.length} pages (painted ${s.firstPagePainted.median.toFixed(0)} ms` +
        (s.firstPageFromNavigation.n ? `; ${s.firstPageFromNavigation.median.toFixed(0)} ms from navigation start` : '') +
        `; opening the panel → first page shown ${s.open.median.toFixed(0)} ms) (goal < ${config.goals.firstPageMs} ms): ` +
        (firstMs < config.goals.firstPageMs ? 'OK' : 'NOT MET'),
      `filter round trip (last key → ${filterRows} rows rendered): median ${s.filterRendered.median.toFixed(0)} ms, of ` +
        `which the section's pause ${s.filterDebounce.median.toFixed(0)} ms and the hub ${s.filterHub.median.toFixed(0)} ms (no goal set)`,
      `fan-out over ${n - 1} users' servers (case "servers"), one stopped with SIGSTOP: Refresh → every row shows figures or ` +
        `"not responding", median ${fan.stopped.median.toFixed(0)} ms with the middle one of the queue stopped, ` +
        `${fan.lastStopped.median.toFixed(0)} ms with the last one (${fan.stopped.n} + ${fan.lastStopped.n} rounds; worst ` +
        `${Math.max(fan.stopped.max, fan.lastStopped.max).toFixed(0)} ms; all answering: ${fan.answering.median.toFixed(0)} ms) ` +
        `(goal < ${config.goals.fanoutMs} ms): ` +
        (fanMs < config.goals.fanoutMs ? 'OK' : 'NOT MET'),
      `one machine (case "machine", as this hub is configured): Refresh → every row shows figures, median ` +
        `${s.usage.machine.stopped.median.toFixed(0)} ms with ${middle.user}'s server stopped, ${s.usage.machine.answering.median.toFixed(0)} ms without`
    ]
  };
  fs.writeFileSync(resultPath, JSON.stringify(result, null, 1));
}

main().catch(error => {
  console.error(`browser benchmark failed: ${error.stack || error}`);
  process.exit(1);
});
