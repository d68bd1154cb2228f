// Kernel Manager tab clicked → every section shows its content, in a
// JupyterLab opened right after its server started (run by panel.py).
//
// Usage: node panel_browser.js BASE_URL TOKEN SECTIONS RESULT_JSON
//
// One fresh page at /lab?reset, as soon as JupyterLab shows itself (splash
// screen gone, the panel closed): t0 = the pointerdown of a click on the
// Kernel Manager tab; done = each section named in SECTIONS (comma-separated
// titles) is expanded, shown, and its body holds something that is not a
// "Loading …" placeholder nor aria-busy; rendered = the next animation frame.
'use strict';

const b = require('./browser');

function sections() {
  performance.setResourceTimingBufferSize(20000);
  // The first environments listing after the click, from resource timing.
  window.__bench.after.sections = (names, marks) => {
    const listing = performance
      .getEntriesByType('resource')
      .find(
        e =>
          e.name.includes('/kernel-manager/environments') &&
          e.startTime >= marks.t0
      );
    marks.listing = listing && {
      sent: listing.startTime - marks.t0,
      took: listing.responseEnd - listing.startTime
    };
  };
  window.__bench.ready.sections = (names, marks) => {
    const panel = document.getElementById('jp-kernel-manager');
    if (!panel || panel.closest('.lm-mod-hidden')) {
      return false;
    }
    marks.sections ??= {};
    for (const name of names) {
      const title = [...panel.querySelectorAll('[aria-controls]')].find(
        t => t.getAttribute('aria-label') === `${name} Section`
      );
      const body =
        title && document.getElementById(title.getAttribute('aria-controls'));
      const text = body?.textContent.trim() ?? '';
      const loaded =
        !!body &&
        body.closest('.lm-mod-hidden') === null &&
        text !== '' &&
        !/\bLoading\b[^…]*…/.test(text) &&
        !body.querySelector('[aria-busy="true"]');
      if (loaded) {
        marks.sections[name] ??= performance.now() - marks.t0;
        (marks.texts ??= {})[name] = text.slice(0, 60);
      } else {
        delete marks.sections[name];
      }
    }
    return names.every(name => name in marks.sections);
  };
}

b.main(async ([base, token, names]) => {
  const browser = await b.launch();
  try {
    const url = `${base}lab?token=${encodeURIComponent(token)}&reset`;
    const { page, loadMs, errors } = await b.openLab(browser, url, {
      init: [[sections]],
      idle: false
    });
    const wanted = names.split(',');
    const titles = await page
      .locator('#jp-kernel-manager [aria-controls]')
      .evaluateAll(list =>
        list.map(t => [
          t.getAttribute('aria-label'),
          t.getAttribute('aria-expanded')
        ])
      );
    for (const name of wanted) {
      const found = titles.find(([label]) => label === `${name} Section`);
      if (!found || found[1] !== 'true') {
        throw new Error(
          `no expanded section "${name}" in the panel: ${titles}`
        );
      }
    }
    if (await b.panelShown(page)) {
      throw new Error('the Kernel Manager panel was open at startup');
    }
    const marks = await b.measure(
      page,
      {
        ready: 'sections',
        args: wanted,
        trigger: {
          type: 'pointerdown',
          selector: '[data-id="jp-kernel-manager"]'
        },
        timeoutMs: 60000
      },
      () => b.panelTab(page).click()
    );
    const [sent, took] = [marks.listing?.sent, marks.listing?.took];
    const each = Object.entries(marks.sections)
      .map(([name, t]) => `${name} ${b.ms(t)}`)
      .join(', ');
    console.log(
      `  page shown ${(loadMs / 1000).toFixed(1)} s after the server answered; click → every ` +
        `section rendered ${b.ms(marks.rendered)} (${each}; painted ${b.ms(marks.painted)}); ` +
        (marks.listing
          ? `first GET environments after the click: sent at ${b.ms(sent)}, took ${b.ms(took)}`
          : 'no GET environments after the click') +
        (errors.length ? `; ${errors.length} page error(s): ${errors[0]}` : '')
    );
    return { loadMs, errors, ...marks };
  } finally {
    await browser.close();
  }
});
