/**
 * The HTML report's page script (plain browser JavaScript, run as is): draws one uPlot chart per
 * endpoint from the embedded chart model (see html-model.ts) with the downtime windows, the
 * incidents as labelled bands, the phases and version cut-overs laid over it, and, on the live
 * dashboard, applies the server's updates.
 * It never parses HTML from the document: names and URLs go in with `textContent`; the only
 * `innerHTML` is the summary the server rendered and escaped.
 *
 * Test hooks: `body[data-ready]` once drawn, `body[data-updates]` counts live updates, each
 * card's `data-state` is `up`, `down` or `final`.
 */
export const REPORT_JS = String.raw`(function () {
  'use strict';
  var boot = JSON.parse(document.getElementById('zd-data').textContent);
  var model = boot.model;
  var summaryEl = document.getElementById('zd-summary');
  var chartsEl = document.getElementById('zd-charts');
  var connEl = document.getElementById('zd-conn');
  var cards = [];
  var updates = 0;

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }
  function alpha(color, a) {
    var m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
    if (!m) return color;
    return 'rgba(' + parseInt(m[1], 16) + ',' + parseInt(m[2], 16) + ',' + parseInt(m[3], 16) + ',' + a + ')';
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function trim(n) {
    return n.toFixed(n < 10 ? 2 : 1).replace(/\.?0+$/, '');
  }
  function fmtDur(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return trim(ms / 1000) + ' s';
    var m = Math.floor(ms / 60000), s = Math.round((ms % 60000) / 1000);
    if (m < 60) return s ? m + ' m ' + s + ' s' : m + ' m';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' m';
  }
  /** '+m:ss' or '+h:mm:ss', with as many decimals of a second as asked. */
  function fmtClock(sec, decimals) {
    if (sec == null) return '—';
    var sign = sec < 0 ? '-' : '+';
    sec = Math.abs(sec);
    var h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    var ss = s.toFixed(decimals || 0);
    if (s < 10) ss = '0' + ss;
    return sign + (h ? h + ':' + (m < 10 ? '0' : '') + m : m) + ':' + ss;
  }
  function decimalsFor(step) {
    return step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step) - 1e-9));
  }
  function fmtNum(u, v) {
    return v == null ? '—' : v < 10 ? String(Math.round(v * 10) / 10) : String(Math.round(v));
  }
  function fmtLat(u, v) {
    return v == null ? '—' : v < 10 ? v.toFixed(2) + ' ms' : v < 1000 ? Math.round(v) + ' ms' : fmtDur(v);
  }

  /** The chart's columns: x in seconds, probes per second, latency (null where none). */
  function columns(e) {
    var n = e.t.length;
    var xs = [], ok = [], bad = [], p50 = [], p99 = [];
    for (var i = 0; i < n; i++) {
      var spanMs = e.intervalMs;
      // The last point covers only the part of its interval before the run's end (or now).
      // (at least the time its probes were due over, so one probe at the very end is no spike).
      if (i === n - 1 && model.durationMs > e.t[i]) {
        var dueMs = ((e.ok[i] + e.failed[i]) * 1000) / e.rate;
        spanMs = Math.min(spanMs, Math.max(model.durationMs - e.t[i], dueMs));
      }
      var f = 1000 / spanMs;
      xs.push(e.t[i] / 1000);
      ok.push(e.ok[i] * f);
      bad.push(e.failed[i] * f);
      p50.push(e.p50[i] > 0 ? e.p50[i] : null);
      p99.push(e.p99[i] > 0 ? e.p99[i] : null);
    }
    // A closing point at the run's end, so the last step is drawn and the axis spans the run.
    var lastMs = n ? e.t[n - 1] : -1;
    xs.push(Math.max(lastMs + 1, model.durationMs, 1) / 1000);
    ok.push(n ? ok[n - 1] : null);
    bad.push(n ? bad[n - 1] : null);
    p50.push(n ? p50[n - 1] : null);
    p99.push(n ? p99[n - 1] : null);
    return [xs, ok, bad, p50, p99];
  }

  function chartOptions(card, width) {
    var c = {
      ok: cssVar('--ok'), bad: cssVar('--bad'), l50: cssVar('--lat50'), l99: cssVar('--lat99'),
      text: cssVar('--muted'), grid: cssVar('--grid'),
    };
    var axis = { stroke: c.text, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 } };
    var stepped = uPlot.paths.stepped({ align: 1 });
    return {
      width: width,
      height: chartHeight(width),
      padding: [4, 4, 0, 0],
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
      scales: {
        x: { time: false },
        n: { range: function (u, min, max) { return [0, Math.max(1, max * 1.12)]; } },
        ms: { distr: 3, log: 10 },
      },
      series: [
        { label: 'time', value: function (u, v) { return fmtClock(v, 2); } },
        { label: 'ok/s', scale: 'n', stroke: c.ok, fill: alpha(c.ok, 0.13), width: 1.5, paths: stepped, points: { show: false }, value: fmtNum },
        { label: 'failed/s', scale: 'n', stroke: c.bad, fill: alpha(c.bad, 0.4), width: 1.5, paths: stepped, points: { show: false }, value: fmtNum },
        { label: 'p50', scale: 'ms', stroke: c.l50, width: 1.25, paths: stepped, points: { show: false }, value: fmtLat },
        { label: 'p99', scale: 'ms', stroke: c.l99, width: 1.25, dash: [5, 3], paths: stepped, points: { show: false }, value: fmtLat },
      ],
      axes: [
        Object.assign({}, axis, {
          incrs: TIME_STEPS,
          values: function (u, splits, axisIdx, space, step) {
            return splits.map(function (v) { return fmtClock(v, decimalsFor(step)); });
          },
        }),
        Object.assign({}, axis, { scale: 'n', label: 'probes/s', size: 46, labelSize: 18 }),
        Object.assign({}, axis, {
          scale: 'ms', side: 1, label: 'latency (ms, log)', size: 52, labelSize: 18,
          grid: { show: false },
        }),
      ],
      hooks: { draw: [function (u) { drawLayer(card, u); }] },
    };
  }

  /** Tick steps of the time axis, in seconds: round minutes and hours, not 200 s. */
  var TIME_STEPS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900,
    1800, 3600, 7200, 10800, 21600, 43200, 86400];

  function chartHeight(width) {
    return Math.round(Math.max(170, Math.min(300, width * 0.36)));
  }

  /** Phases, downtime windows and version cut-overs, laid over the plot as positioned boxes. */
  function drawLayer(card, u) {
    var layer = card.layer;
    if (layer.parentNode !== u.over) u.over.appendChild(layer);
    layer.textContent = '';
    var width = u.over.clientWidth;
    var e = card.e;
    function px(ms) { return u.valToPos(ms / 1000, 'x'); }
    function box(cls, x0, x1) {
      var a = Math.max(0, x0), b = Math.min(width, x1);
      if (b < 0 || a > width) return null;
      var d = el('div', cls);
      d.style.left = a + 'px';
      d.style.width = Math.max(0, b - a) + 'px';
      layer.appendChild(d);
      return d;
    }
    // Each phase's label stays within the phase (up to where the next one starts), so short
    // phases never run their names together ("probedeploysettle"): a name that does not fit is
    // cut to its initial, and left out when even that does not fit.
    model.phases.forEach(function (p, i) {
      var d = box('zd-phase' + (p.name === 'deploy' ? ' zd-phase-deploy' : ''), px(p.startMs), px(p.endMs));
      if (!d) return;
      d.dataset.phase = p.name;
      var next = model.phases[i + 1];
      var left = Math.max(0, px(p.startMs));
      var room = Math.min(width, next ? px(next.startMs) : width) - left - 3;
      var label = el('span', 'zd-phase-label', p.name);
      d.appendChild(label);
      d.dataset.label = 'full';
      if (label.offsetLeft + label.offsetWidth <= room) return;
      label.textContent = p.name.charAt(0);
      d.dataset.label = 'initial';
      if (label.offsetLeft + label.offsetWidth <= room) return;
      d.removeChild(label);
      d.dataset.label = 'none';
    });
    // Windows closer than a pixel are drawn as one box, so a flapping hour stays light.
    var groups = [];
    e.windows.forEach(function (w) {
      var x0 = px(w.startMs), x1 = Math.max(px(w.endMs), x0 + 2);
      if (x1 < 0 || x0 > width) return;
      var g = groups[groups.length - 1];
      if (g && x0 <= g.x1 + 1) {
        g.x1 = Math.max(g.x1, x1); g.ms += w.durationMs; g.n++; g.open = g.open || w.open;
        g.title += '\n' + describe(w);
      } else {
        groups.push({ x0: x0, x1: x1, ms: w.durationMs, n: 1, open: w.open, w: w, title: describe(w) });
      }
    });
    groups.forEach(function (g) {
      var d = box('zd-window', g.x0, g.x1);
      if (!d) return;
      d.dataset.startMs = String(g.w.startMs);
      d.dataset.count = String(g.n);
      d.title = g.title;
    });
    // Incidents (windows closer than the merge gap) carry the labels: longest first, no overlap.
    var placed = [];
    e.incidents.slice().sort(function (a, b) { return b.durationMs - a.durationMs; }).forEach(function (inc) {
      var x0 = px(inc.startMs), x1 = Math.max(px(inc.endMs), x0 + 2);
      var d = box('zd-incident zd-incident-' + inc.kind, x0, x1);
      if (!d) return;
      d.dataset.startMs = String(inc.startMs);
      d.dataset.kind = inc.kind;
      d.title = describeIncident(inc);
      var text = fmtDur(inc.durationMs) +
        (inc.kind === 'partial' ? ' partial, ' + Math.round(inc.failureRatio * 100) + ' % failed' : '') +
        (inc.open ? ' …' : '');
      var x = Math.max(0, x0);
      var w = text.length * 6.5 + 8;
      if (x + w > width) x = Math.max(0, width - w);
      var clash = placed.some(function (r) { return x < r[1] && x + w > r[0]; });
      if (clash) return;
      placed.push([x, x + w]);
      var label = el('span', 'zd-incident-label', text);
      label.style.left = (x - Math.max(0, x0)) + 'px';
      d.appendChild(label);
    });
    e.versions.slice(1).forEach(function (v) {
      var x = px(v.firstMs);
      var d = box('zd-version', x, x + 1);
      if (!d) return;
      d.dataset.version = v.version;
      d.appendChild(el('span', 'zd-version-label', '→ ' + v.version));
    });
  }

  function describe(w) {
    return '+' + (w.startMs / 1000).toFixed(2) + ' s → ' + (w.open ? 'end (still down)' : '+' + (w.endMs / 1000).toFixed(2) + ' s') +
      ', ' + fmtDur(w.durationMs) + ' down' + (w.phase ? ' during ' + w.phase : '') + ': ' + w.codes +
      (w.stall ? ' (zerodown fell behind here)' : '') + (w.agents ? ' — seen by ' + w.agents : '');
  }

  function describeIncident(i) {
    return '+' + (i.startMs / 1000).toFixed(2) + ' s → ' + (i.open ? 'end (still down)' : '+' + (i.endMs / 1000).toFixed(2) + ' s') +
      ', ' + fmtDur(i.durationMs) + ' ' + (i.kind === 'partial' ? 'partial outage' : 'outage') +
      (i.phase ? ' during ' + i.phase : '') + ': ' + Math.round(i.failureRatio * 100) + ' % of ' + i.probes +
      ' probes failed (' + i.codes + ') in ' + i.windows + (i.windows === 1 ? ' window' : ' windows') +
      (i.agents ? ' — seen by ' + i.agents : '');
  }

  function stateOf(e) {
    return e.state || 'final';
  }

  function mark(e) {
    return e.verdict === 'fail' || e.verdict === 'degraded' ? e.verdict : e.downtime ? 'warn' : 'pass';
  }

  function badgeText(e) {
    if (e.state) return e.state.toUpperCase();
    return mark(e) === 'warn' ? 'WITHIN BUDGET' : mark(e).toUpperCase();
  }

  function badgeClass(e) {
    if (e.state) return 'zd-state zd-' + e.state;
    return 'zd-pill zd-' + mark(e);
  }

  function buildCard(e) {
    var card = { e: e, root: el('article', 'zd-card'), layer: el('div', 'zd-layer') };
    var header = el('header');
    var h = el('h3');
    card.badge = el('span', badgeClass(e), badgeText(e));
    h.appendChild(card.badge);
    h.appendChild(document.createTextNode(' '));
    h.appendChild(el('span', 'zd-name', e.name));
    header.appendChild(h);
    header.appendChild(el('small', '', e.method + ' ' + e.url));
    card.chartEl = el('div', 'zd-chart');
    card.root.appendChild(header);
    card.root.appendChild(card.chartEl);
    card.root.dataset.name = e.name;
    if (e.agent) {
      card.root.dataset.agent = e.agent;
      card.root.className += ' zd-agent-lane';
    }
    card.root.dataset.state = stateOf(e);
    chartsEl.appendChild(card.root);
    var width = Math.max(200, card.chartEl.clientWidth);
    card.width = width;
    card.plot = new uPlot(chartOptions(card, width), columns(e), card.chartEl);
    return card;
  }

  function buildAll() {
    cards.forEach(function (c) { c.plot.destroy(); });
    cards = [];
    chartsEl.textContent = '';
    if (!model) return;
    model.endpoints.forEach(function (e) { cards.push(buildCard(e)); });
  }

  function refresh(card) {
    var e = card.e;
    card.badge.className = badgeClass(e);
    card.badge.textContent = badgeText(e);
    card.root.dataset.state = stateOf(e);
    card.plot.setData(columns(e));
  }

  function splice(arr, from, items) {
    arr.length = Math.min(arr.length, from);
    for (var i = 0; i < items.length; i++) arr.push(items[i]);
  }

  /** Applies one live update: a new run rebuilds; otherwise columns and windows are patched. */
  function apply(up) {
    updates++;
    document.body.dataset.updates = String(updates);
    summaryEl.innerHTML = up.summaryHtml;
    document.title = up.title;
    if (up.idle) {
      model = null;
      buildAll();
      return;
    }
    if (up.reset || !model || model.runId !== up.runId) {
      model = { runId: up.runId, running: up.running, durationMs: up.durationMs, phases: up.phases, endpoints: up.endpoints };
      buildAll();
      return;
    }
    model.running = up.running;
    model.durationMs = up.durationMs;
    model.phases = up.phases;
    up.endpoints.forEach(function (d, i) {
      var e = model.endpoints[i];
      if (!e) return;
      ['t', 'ok', 'failed', 'p50', 'p99'].forEach(function (k) { splice(e[k], d.from, d[k]); });
      splice(e.windows, d.windowsFrom, d.windows);
      e.incidents = d.incidents;
      e.versions = d.versions;
      e.state = d.state;
      e.verdict = d.verdict;
      e.downtime = d.downtime;
      refresh(cards[i]);
    });
  }

  var resizeQueued = false;
  new ResizeObserver(function () {
    if (resizeQueued) return;
    resizeQueued = true;
    requestAnimationFrame(function () {
      resizeQueued = false;
      cards.forEach(function (c) {
        var width = Math.max(200, c.chartEl.clientWidth);
        if (Math.abs(width - c.width) < 2) return;
        c.width = width;
        c.plot.setSize({ width: width, height: chartHeight(width) });
      });
    });
  }).observe(chartsEl);

  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', buildAll);

  buildAll();
  document.body.dataset.ready = '1';

  if (boot.live) {
    var source = new EventSource(boot.live);
    source.addEventListener('open', function () { connEl.textContent = '● live'; });
    source.addEventListener('error', function () { connEl.textContent = '○ reconnecting…'; });
    source.addEventListener('update', function (ev) { apply(JSON.parse(ev.data)); });
  }
})();
`;
