// The Hub section in headless Chromium, as the hub admin, in the admin's
// JupyterLab behind a real JupyterHub (run by hub.py, which starts the hub,
// the users and the servers).
//
// Usage: node hub_browser.js CONFIG_JSON RESULT_JSON
//
// Logs in through /hub/login, then BENCH_HUB_PAGES (5) fresh pages at
// /user/admin/lab?reset. An init script wraps window.fetch to log the Hub
// section's requests (its hub client sends `credentials: 'omit'`) and can
// blank `hub_user` in all-users process lists (the "servers" case below).
//   first page  Alt+Shift+K → the "Hub users" table shows its first page;
//               the section asks the hub on opening, so also from its first
//               request (goal: < 500 ms);
//   filter      last key typed in "Filter users" (40 ms apart) → exactly
//               the matching rows; select all + Backspace → the first page;
//   paging      Next ×3, Previous ×3 → that page's first user first.
// On the last page, "Which users" set to Running, then Refresh Hub
// BENCH_HUB_FANOUT_ROUNDS (5) rounds per case. A row is settled when the
// request that answers for it this round has ended and its Using cell shows
// figures, "not responding" or "unavailable"; done = every row settled.
//   machine  one request to the admin's own server (all_users=1) gives
//            every row (the hub runs servers as Unix users, like TLJH);
//   servers  that reply with every hub_user blanked: the rows are asked
//            server by server through the proxy (Kubernetes' case).
// Then SIGSTOP to the middle server of the fan-out's queue (checked: its
// port accepts connections, no answer within 1 s), rounds of both cases; the
// same with the last one (servers); SIGCONT. Goal: < 2 s with one stopped.
'use strict';

const fs = require('fs');
const net = require('net');
const b = require('./browser');

const PAGES = Number(process.env.BENCH_HUB_PAGES || 5);
const ROUNDS = Number(process.env.BENCH_HUB_FANOUT_ROUNDS || 5);
const HUB = '#jp-KernelManager-hub';

function hubProbe() {
  const bench = window.__bench;
  Object.assign(bench, { log: [], stripHubUsers: false });
  const real = window.fetch;
  window.fetch = function (input, init) {
    const url = new URL(
      input instanceof Request ? input.url : String(input),
      location.href
    );
    const allUsers =
      url.pathname.endsWith('/kernel-manager/processes') &&
      url.searchParams.get('all_users') === '1';
    const entry = {
      url: url.href,
      hub: init?.credentials === 'omit',
      allUsers
    };
    Object.assign(entry, {
      start: performance.now(),
      end: null,
      status: null,
      error: null
    });
    bench.log.push(entry);
    const ended = error => {
      entry.end = performance.now();
      entry.error = error?.name ?? null;
    };
    let reply = real.call(this, input, init);
    reply.then(response => {
      entry.status = response.status;
      response
        .clone()
        .arrayBuffer()
        .then(() => ended(), ended);
    }, ended);
    if (allUsers && bench.stripHubUsers) {
      // What the server answers with hub_unix_user_template = "".
      reply = reply.then(async response => {
        if (!response.ok) {
          return response;
        }
        const data = await response.json();
        for (const group of data.users || []) {
          group.hub_user = null;
        }
        return new Response(JSON.stringify(data), response);
      });
    }
    return reply;
  };
  const table = () =>
    document.querySelector(
      `#jp-KernelManager-hub table[aria-label="Hub users"]`
    );
  const rows = () => [...(table()?.querySelectorAll('tr[data-user]') ?? [])];
  const using = tr => {
    const heads = [...table().querySelectorAll('thead th')].map(th =>
      th.textContent.trim()
    );
    return tr.cells[heads.indexOf('Using')]?.textContent.trim() ?? '';
  };
  const late = text => /not responding|unavailable/.test(text);
  const ready = bench.ready;
  ready.open = ({ rows: n }) =>
    table()?.getClientRects().length > 0 && rows().length >= n;
  ready.filter = ({ filter, expected }) =>
    rows().length === expected &&
    rows().every(tr => tr.dataset.user.includes(filter));
  ready.rows = ({ expected, first }) =>
    rows().length === expected && rows()[0]?.dataset.user === first;
  // The request that answers for a row this round: its server's, or the
  // page's own server's all-users list.
  const answerFor = (name, perServer, t0) =>
    bench.log.find(
      e =>
        e.start >= t0 &&
        (perServer.includes(name)
          ? e.hub &&
            e.url.includes(
              `/user/${encodeURIComponent(name)}/kernel-manager/processes`
            )
          : e.allUsers)
    );
  ready.usage = ({ expect, perServer }, marks) => {
    marks.seen ??= {};
    marks.rows ??= {};
    const now = performance.now();
    for (const tr of rows()) {
      const text = using(tr);
      if (marks.seen[tr.dataset.user]?.text !== text) {
        marks.seen[tr.dataset.user] = { text, changedAt: now };
      }
    }
    const names = rows().map(tr => tr.dataset.user);
    if (
      names.length !== expect.length ||
      !expect.every(n => names.includes(n))
    ) {
      return false;
    }
    for (const name of names) {
      const entry = answerFor(name, perServer, marks.t0);
      const { text, changedAt } = marks.seen[name];
      if (
        entry?.end != null &&
        text &&
        !text.includes('asking…') &&
        (!entry.error || late(text))
      ) {
        // The section keeps a user's figures while it asks again: unchanged
        // figures count from the answer, changed ones from their commit.
        const shown = changedAt >= entry.end - 2 ? changedAt : entry.end;
        marks.rows[name] ??= {
          shown: shown - marks.t0,
          asked: entry.start - marks.t0,
          text
        };
        marks.rows[name].late = late(text);
      }
    }
    return names.every(name => name in marks.rows);
  };
  const requests = (args, marks) => {
    marks.requests = bench.log
      .filter(e => e.start >= marks.t0 && (e.hub || e.allUsers))
      .map(e => ({
        ...e,
        path: new URL(e.url).pathname + new URL(e.url).search,
        start: e.start - marks.t0,
        end: e.end === null ? null : e.end - marks.t0
      }));
  };
  for (const kind of ['open', 'filter', 'rows', 'usage']) {
    bench.after[kind] = requests;
  }
}

/** Logs in through the hub's login form; returns the cookies. */
async function login(browser, config) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${config.hubUrl}hub/login`);
  await page.locator('#username_input').fill(config.user);
  await page.locator('#password_input').fill(config.password);
  await Promise.all([
    page.waitForURL(url => !url.pathname.endsWith('/hub/login')),
    page.locator('#login_submit').click()
  ]);
  // The OAuth round to the admin's own server, once: its cookie is kept too.
  await page.goto(`${config.hubUrl}user/${config.user}/lab?reset`);
  await page
    .locator('#jp-main-dock-panel')
    .waitFor({ state: 'visible', timeout: 90000 });
  const state = await context.storageState();
  await context.close();
  return state;
}

const hubRequest = (marks, path) =>
  marks.requests.find(
    r => r.hub && new URL(r.path, 'http://x').pathname.endsWith(path)
  );

async function onePage(browser, config, state) {
  const url = `${config.hubUrl}user/${config.user}/lab?reset`;
  const lab = await b.openLab(browser, url, {
    viewport: { width: 1280, height: 900 },
    storageState: state,
    init: [[hubProbe]]
  });
  const { page } = lab;
  await b.closePanel(page);
  const firstRows = Math.min(config.pageSize, config.total);
  const open = await b.measure(
    page,
    {
      ready: 'open',
      args: { rows: firstRows },
      trigger: { type: 'keydown', key: 'k' }
    },
    () => page.keyboard.press('Alt+Shift+K')
  );
  const asked =
    hubRequest(open, '/hub/api/user') ?? hubRequest(open, '/hub/api/users');
  const users = hubRequest(open, '/hub/api/users');
  const first = {
    rendered: open.rendered - (asked?.start ?? NaN),
    painted: open.painted - (asked?.start ?? NaN),
    getUsers: users ? users.end - users.start : NaN,
    replyToRendered: users ? open.rendered - users.end : NaN
  };
  // Only the Hub section expanded.
  for (const title of await page
    .locator('#jp-kernel-manager [aria-controls]')
    .all()) {
    const mine =
      (await title.getAttribute('aria-controls')) === 'jp-KernelManager-hub';
    if (mine !== ((await title.getAttribute('aria-expanded')) === 'true')) {
      await title.click();
    }
  }
  await b.idle(page, 500);
  const input = page
    .locator(HUB)
    .getByRole('searchbox', { name: 'Filter users' });
  const filter = [];
  const clear = [];
  for (const { filter: text, expected } of config.filters) {
    await input.focus();
    const trigger = { type: 'keydown', key: text.slice(-1), last: true };
    const marks = await b.measure(
      page,
      { ready: 'filter', args: { filter: text, expected }, trigger },
      () => page.keyboard.type(text, { delay: 40 })
    );
    const request = marks.requests.find(
      r => r.hub && r.path.includes(`name_filter=${text}`)
    );
    filter.push({
      rendered: marks.rendered,
      pause: request?.start,
      hub: request ? request.end - request.start : NaN
    });
    await b.idle(page, 300);
    await input.focus();
    await page.keyboard.press('Control+A');
    const args = { expected: firstRows, first: config.pageFirsts[0] };
    const back = await b.measure(
      page,
      { ready: 'rows', args, trigger: { type: 'keydown', key: 'Backspace' } },
      () => page.keyboard.press('Backspace')
    );
    clear.push(back.rendered);
    await b.idle(page, 300);
  }
  const paging = [];
  const turns = Math.min(3, config.pageFirsts.length - 1);
  for (const [name, index] of [
    ...Array.from({ length: turns }, (_, i) => ['Next', i + 1]),
    ...Array.from({ length: turns }, (_, i) => ['Previous', turns - i - 1])
  ]) {
    const expected = Math.min(
      config.pageSize,
      config.total - index * config.pageSize
    );
    const button = page.locator(HUB).getByRole('button', { name, exact: true });
    const marks = await b.measure(
      page,
      {
        ready: 'rows',
        args: { expected, first: config.pageFirsts[index] },
        trigger: { type: 'click', selector: HUB }
      },
      () => button.click()
    );
    paging.push(marks.rendered);
    await b.idle(page, 300);
  }
  console.log(
    `  page: loaded in ${(lab.loadMs / 1000).toFixed(1)} s; open → first page ${b.ms(open.rendered)}, ` +
      `${b.ms(first.rendered)} from the section's first request (GET users ` +
      `${b.ms(first.getUsers)}); filter ${b.ms(b.median(filter.map(f => f.rendered)))}; ` +
      `page ${b.ms(b.median(paging))}` +
      (lab.errors.length
        ? `; ${lab.errors.length} page error(s): ${lab.errors[0]}`
        : '')
  );
  return {
    lab,
    result: {
      loadMs: lab.loadMs,
      open: open.rendered,
      first,
      filter,
      clear,
      paging
    }
  };
}

/** SIGSTOP to a server; checks that it accepts connections and never answers. */
async function stopServer({ pid, port, user }) {
  process.kill(pid, 'SIGSTOP');
  await b.sleep(200);
  const state = fs
    .readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')[0];
  const probe = await new Promise(resolve => {
    const out = { connected: false, answered: false };
    const socket = net.connect(port, '127.0.0.1');
    const done = () => socket.destroy() && resolve(out);
    setTimeout(done, 1000);
    socket.on('connect', () => {
      out.connected = true;
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    socket.on('data', () => (out.answered = true) && done());
    socket.on('error', done);
  });
  if (state !== 'T' || probe.answered || !probe.connected) {
    throw new Error(
      `${user}'s server is not unresponsive as intended: ${state} ${JSON.stringify(probe)}`
    );
  }
  console.log(
    `    SIGSTOP to ${user}'s server (pid ${pid}): accepts connections, no answer in 1 s`
  );
}

function summarizeRound(marks, stopped) {
  const rows = Object.entries(marks.rows).map(([user, r]) => ({ user, ...r }));
  const perServer = marks.requests.filter(
    r => r.hub && r.path.includes('/kernel-manager/processes')
  );
  const answered = perServer.filter(
    r => r.status === 200 && !r.error && r.end !== null
  );
  const mine = rows.find(r => r.user === stopped);
  return {
    rendered: marks.rendered,
    path: perServer.length ? 'servers' : 'machine',
    perServer: perServer.length,
    othersShown: Math.max(
      ...rows.filter(r => r.user !== stopped).map(r => r.shown)
    ),
    stoppedShown: mine?.shown ?? NaN,
    stoppedAsked: mine?.asked ?? NaN,
    stoppedLate: mine?.late ?? false,
    slowestAnswer: Math.max(-Infinity, ...answered.map(r => r.end - r.start)),
    late: rows.filter(r => r.late).map(r => `${r.user}: ${r.text}`)
  };
}

async function usage(page, config) {
  const expect = config.running;
  const refresh = page
    .locator('[aria-controls="jp-KernelManager-hub"] [title="Refresh Hub"]')
    .first();
  const [middle, last] = config.stopped;
  const out = { machine: {}, servers: {} };
  const round = async (mode, label, stopped = null, profile = '') => {
    await page.evaluate(
      strip => (window.__bench.stripHubUsers = strip),
      mode === 'servers'
    );
    const perServer =
      mode === 'servers' ? expect.filter(name => name !== config.user) : [];
    const trigger = { type: 'mousedown', selector: '[title="Refresh Hub"]' };
    const marks = await b.measure(
      page,
      { ready: 'usage', args: { expect, perServer }, trigger },
      () => refresh.click(),
      { profile }
    );
    const r = summarizeRound(marks, stopped);
    const who =
      r.path === 'machine'
        ? 'one all-users request'
        : `${r.perServer} requests to servers`;
    console.log(
      `    ${label.padEnd(32)} ${b.ms(r.rendered).padStart(8)} (${who}` +
        (r.stoppedLate
          ? `; ${stopped} marked at ${b.ms(r.stoppedShown)}`
          : '') +
        (r.late.length && !r.stoppedLate ? `; late: ${r.late}` : '') +
        ')'
    );
    (out[mode][label.split(' ')[0]] ??= []).push(r);
    await b.idle(page);
  };
  const select = page
    .locator(HUB)
    .getByRole('combobox', { name: 'Which users' });
  await page.evaluate(() => (window.__bench.stripHubUsers = false));
  await b.measure(
    page,
    {
      ready: 'usage',
      args: { expect, perServer: [] },
      trigger: { type: 'change', selector: HUB }
    },
    () => select.selectOption('ready')
  );
  console.log(`  what each user runs, ${expect.length} running servers:`);
  for (let i = 0; i < ROUNDS; i++) {
    await round('machine', 'answering (machine)');
    await round('servers', 'answering (servers)');
  }
  try {
    await stopServer(middle);
    for (let i = 0; i < ROUNDS; i++) {
      await round(
        'machine',
        `middle (machine, ${middle.user} stopped)`,
        middle.user
      );
      const name = i === 0 ? 'hub-fanout-one-stopped' : '';
      await round(
        'servers',
        `middle (servers, ${middle.user} stopped)`,
        middle.user,
        name
      );
    }
    process.kill(middle.pid, 'SIGCONT');
    await b.sleep(2000);
    await stopServer(last);
    for (let i = 0; i < ROUNDS; i++) {
      await round('servers', `last (servers, ${last.user} stopped)`, last.user);
    }
  } finally {
    process.kill(middle.pid, 'SIGCONT');
    process.kill(last.pid, 'SIGCONT');
  }
  return out;
}

b.main(async ([configPath]) => {
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  const browser = await b.launch();
  const chromium = browser.version();
  const pages = [];
  let use;
  try {
    const state = await login(browser, config);
    console.log(
      `Browser (Chromium ${chromium}), logged in as ${config.user}; ${PAGES} fresh pages`
    );
    for (let i = 1; i <= PAGES; i++) {
      const { lab, result } = await onePage(browser, config, state);
      pages.push(result);
      if (i === PAGES) {
        use = await usage(lab.page, config);
      }
      await lab.context.close();
    }
  } finally {
    await browser.close();
  }
  const all = key => pages.flatMap(p => p[key]);
  const s = {
    firstPage: b.stat(pages.map(p => p.first.rendered)),
    firstPagePainted: b.stat(pages.map(p => p.first.painted)),
    firstGetUsers: b.stat(pages.map(p => p.first.getUsers)),
    firstReplyToRendered: b.stat(pages.map(p => p.first.replyToRendered)),
    open: b.stat(pages.map(p => p.open)),
    filter: b.stat(all('filter').map(f => f.rendered)),
    filterPause: b.stat(all('filter').map(f => f.pause)),
    filterHub: b.stat(all('filter').map(f => f.hub)),
    clear: b.stat(all('clear')),
    page: b.stat(all('paging'))
  };
  for (const [mode, cases] of Object.entries(use)) {
    for (const [name, rounds] of Object.entries(cases)) {
      s[`${mode} ${name}`] = {
        ...b.stat(rounds.map(r => r.rendered)),
        stoppedAsked: b.median(
          rounds.filter(r => r.stoppedLate).map(r => r.stoppedAsked)
        ),
        stoppedWait: b.median(
          rounds
            .filter(r => r.stoppedLate)
            .map(r => r.stoppedShown - r.stoppedAsked)
        ),
        slowestAnswer: Math.max(...rounds.map(r => r.slowestAnswer))
      };
    }
  }
  console.log(`\n  ${''.padEnd(58)}   median      min      max   n`);
  for (const [label, x] of Object.entries(s)) {
    const cells = [x.median, x.min, x.max]
      .map(v => b.ms(v).padStart(8))
      .join(' ');
    const extra = Number.isFinite(x.stoppedAsked)
      ? `  (asked at ${b.ms(x.stoppedAsked)}, marked ${b.ms(x.stoppedWait)} later)`
      : '';
    console.log(
      `  ${label.padEnd(58)} ${cells} ${String(x.n).padStart(3)}${extra}`
    );
  }
  const { firstPageMs, fanoutMs } = config.goals;
  const fan = Math.max(s['servers middle'].median, s['servers last'].median);
  return {
    chromium,
    config: { ...config, password: undefined },
    summary: s,
    pages,
    usage: use,
    verdicts: [
      `first users page: the section asks the hub → ${Math.min(config.pageSize, config.total)} rows ` +
        `rendered, median ${b.ms(s.firstPage.median)} over ${pages.length} pages (goal < ` +
        `${firstPageMs} ms): ${b.verdict(s.firstPage.median < firstPageMs)}`,
      `filter round trip, median ${b.ms(s.filter.median)}: the section's pause ` +
        `${b.ms(s.filterPause.median)}, the hub ${b.ms(s.filterHub.median)} (no goal set)`,
      `fan-out with one server stopped (servers case): every row final, median ` +
        `${b.ms(s['servers middle'].median)} (middle of the queue), ${b.ms(s['servers last'].median)} ` +
        `(last); worst ${b.ms(Math.max(s['servers middle'].max, s['servers last'].max))} (goal < ` +
        `${fanoutMs} ms): ${b.verdict(fan < fanoutMs)}`,
      `one machine (machine case): every row shows figures, median ` +
        `${b.ms(s['machine middle'].median)} with a server stopped, ` +
        `${b.ms(s['machine answering'].median)} without`
    ]
  };
});
