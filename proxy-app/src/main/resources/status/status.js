// The snipool status page: polls /api/stats every 2 s, keeps the last 5 minutes of snapshots in memory, turns the
// server's monotonic totals into rates, and draws with uPlot. Every string from the server reaches the page through
// textContent or an attribute, never as HTML: backend names and errors come from configuration and clients.
'use strict';

const POLL_MS = 2000;
const HISTORY = 150;           // snapshots kept: 5 minutes at one per 2 s
const RATE_WINDOW_S = 30;      // the table's rates and "now" hit ratio: over the last 30 s
const TOP_BACKENDS = 6;        // backends with charts; the table lists all
const CHART = { width: 280, height: 130 };
const CLASS_COLOURS = { '1xx': '#8c8c8c', '2xx': '#2f9e44', '3xx': '#1c7ed6', '4xx': '#f08c00', '5xx': '#e03131' };
const PALETTE = ['#1c7ed6', '#e03131', '#2f9e44', '#f08c00', '#7048e8', '#0c8599', '#c2255c', '#5c940d', '#862e9c',
  '#495057'];

const history = [];
const charts = new Map();      // chart id -> { plot, signature }
const view = { sortKey: 'request_rate', descending: true, filter: '' };

// ---- small helpers

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined) {
      node.setAttribute(name, String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

function percent(ratio) {
  // Floored, so that 99.96% never reads as a perfect 100%.
  return ratio === null || ratio === undefined ? '–' : (Math.floor(ratio * 1000) / 10).toFixed(1) + '%';
}

function number(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '–';
  }
  return value.toLocaleString('en-US', { maximumFractionDigits: digits === undefined ? 1 : digits });
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) {
    return '–';
  }
  if (seconds < 60) {
    return seconds.toFixed(seconds < 10 ? 1 : 0) + ' s';
  }
  return seconds < 3600 ? Math.floor(seconds / 60) + ' min' : (seconds / 3600).toFixed(1) + ' h';
}

/** An ISO 8601 instant as '2026-12-04 04:56:11Z': seconds are enough here. */
function when(iso) {
  return iso.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1Z');
}

function quality(ratio) {
  return ratio === null || ratio === undefined ? 'none' : ratio >= 0.9 ? 'good' : ratio >= 0.5 ? 'fair' : 'poor';
}

function sum(values) {
  return values.reduce((total, value) => total + value, 0);
}

// ---- history and rates

function backendOf(snapshot, name) {
  if (!snapshot.byBackend) {
    snapshot.byBackend = new Map(snapshot.backends.map(row => [row.backend, row]));
  }
  return snapshot.byBackend.get(name);
}

function listenerOf(snapshot, name) {
  return snapshot.listeners.find(listener => listener.name === name);
}

/** The oldest snapshot no older than RATE_WINDOW_S before the newest, to take rates against. */
function windowStart() {
  const newest = history[history.length - 1];
  return history.find(snapshot => newest.time - snapshot.time <= RATE_WINDOW_S * 1000) || newest;
}

/** Per second between two snapshots; null when the value is missing from either or no time passed. */
function rate(earlier, later, read) {
  const before = read(earlier);
  const after = read(later);
  const seconds = (later.time - earlier.time) / 1000;
  if (before === undefined || after === undefined || before === null || after === null || seconds <= 0) {
    return null;
  }
  return Math.max(0, (after - before) / seconds);
}

/** uPlot data: time, then one rate series per reader, from consecutive snapshots. */
function rateData(readers) {
  const data = [[], ...readers.map(() => [])];
  for (let i = 1; i < history.length; i++) {
    data[0].push(history[i].time / 1000);
    readers.forEach((read, k) => data[k + 1].push(rate(history[i - 1], history[i], read)));
  }
  return data;
}

/** uPlot data: time, then one series of values read from each snapshot. */
function valueData(readers) {
  const data = [[], ...readers.map(() => [])];
  for (const snapshot of history) {
    data[0].push(snapshot.time / 1000);
    readers.forEach((read, k) => {
      const value = read(snapshot);
      data[k + 1].push(value === undefined ? null : value);
    });
  }
  return data;
}

const leases = row => row && row.pooled ? row.hits + row.misses : undefined;

// ---- charts

/**
 * Draws (or updates) the chart `id` in `container`: `series` are { label, colour, fill, value }, `data` uPlot's
 * columns. A chart whose series changed is made anew. The container's data-points says how many points it drew.
 */
function chart(container, id, title, series, data) {
  let box = container.querySelector(`[data-chart="${CSS.escape(id)}"]`);
  if (!box) {
    box = el('div', { class: 'chart', 'data-chart': id }, el('div', { class: 'chart-title' }, title));
    container.append(box);
  }
  const signature = series.map(s => s.label).join('|');
  let entry = charts.get(id);
  if (entry && (entry.signature !== signature || !box.contains(entry.plot.root))) {
    entry.plot.destroy();
    entry = null;
  }
  if (!entry) {
    const options = {
      width: CHART.width,
      height: CHART.height,
      legend: { show: true, live: false },
      cursor: { show: false },
      // At least a minute wide: a first snapshot alone would otherwise be drawn over years.
      scales: { x: { time: true, range: (plot, min, max) => max === null ? [min, max] : [Math.min(min, max - 60), max] } },
      axes: [{ space: 60 }, { size: 48 }],
      series: [{}, ...series.map(s => ({
        label: s.label, stroke: s.colour, fill: s.fill, width: 1.5, points: { show: false },
        value: s.value || ((plot, value) => number(value, 2)),
      }))],
    };
    entry = { plot: new uPlot(options, data, box), signature };
    charts.set(id, entry);
  } else {
    entry.plot.setData(data);
  }
  box.setAttribute('data-points', String(data[0].length));
}

/** Removes the charts whose id starts with `prefix` but is not in `keep`. */
function dropCharts(prefix, keep) {
  for (const [id, entry] of charts) {
    if (id.startsWith(prefix) && !keep.has(id)) {
      entry.plot.destroy();
      charts.delete(id);
    }
  }
}

// ---- sections

function renderReuse(snapshot) {
  const pooled = snapshot.backends.filter(row => row.pooled);
  const hits = sum(pooled.map(row => row.hits));
  const total = sum(pooled.map(row => row.hits + row.misses));
  const created = sum(pooled.map(row => row.connections_created));
  const section = document.getElementById('reuse');
  section.replaceChildren();
  if (total === 0) {
    section.append(el('p', {}, 'No request has reached a pooled backend yet: nothing to say about connection reuse.'));
    return;
  }
  const ratio = hits / total;
  const verdict = ratio >= 0.9 ? 'Backend connections are being reused.'
    : ratio >= 0.5 ? 'Backend connections are reused only in part.'
      : 'Backend connections are mostly NOT reused: most requests open a new connection.';
  section.className = 'reuse ' + quality(ratio);
  section.append(
    el('div', { class: 'big', 'data-hit-ratio': ratio.toFixed(4) }, percent(ratio)),
    el('div', {},
      el('div', { class: 'verdict' }, verdict),
      el('div', {}, `${number(hits, 0)} of ${number(total, 0)} requests to backends went over a connection already `
        + `open; ${number(created, 0)} connections were opened, `
        + `${created ? number(total / created) : '–'} requests per connection.`)));
}

function renderListeners(snapshot) {
  const container = document.getElementById('listeners');
  const keep = new Set();
  const cards = new Set();
  for (const listener of snapshot.listeners) {
    const name = listener.name;
    const cardId = 'listener:' + name;
    cards.add(cardId);
    let card = container.querySelector(`[data-card="${CSS.escape(cardId)}"]`);
    if (!card) {
      card = el('div', { class: 'card', 'data-card': cardId }, el('h3', {}), el('div', { class: 'charts' }));
      container.append(card);
    }
    const start = windowStart();
    const requestRate = rate(start, snapshot, s => {
      const found = listenerOf(s, name);
      return found && sum(Object.values(found.requests));
    });
    const latency = listener.latency;
    card.querySelector('h3').replaceChildren(
      el('span', { class: 'name' }, name),
      el('span', { class: 'muted' }, ` ${listener.mode}, ${listener.bind} · ${number(requestRate)} requests/s · `
        + `${number(listener.connections_active, 0)} connections open · p50 ${number(latency.p50_ms, 2)} ms, `
        + `p99 ${number(latency.p99_ms, 2)} ms (last ${latency.window_seconds / 60} min)`));
    const box = card.querySelector('.charts');
    const read = field => s => {
      const found = listenerOf(s, name);
      return found && field(found);
    };
    const classes = Object.keys(CLASS_COLOURS);
    const id = kind => {
      keep.add(cardId + ':' + kind);
      return cardId + ':' + kind;
    };
    chart(box, id('requests'), 'requests/s by status class',
      classes.map(c => ({ label: c, colour: CLASS_COLOURS[c] })),
      rateData(classes.map(c => read(l => l.requests[c]))));
    const opened = rateData([read(l => l.connections_total)]);
    const open = valueData([read(l => l.connections_active)]);
    chart(box, id('connections'), 'client connections', [
      { label: 'open', colour: '#1c7ed6' }, { label: 'new/s', colour: '#f08c00' }],
      [open[0].slice(1), open[1].slice(1), opened[1]]);
    if (listener.mode === 'tls') { // plain HTTP listeners terminate no TLS
      chart(box, id('handshakes'), 'TLS handshakes/s (terminated)', [
        { label: 'ok', colour: '#2f9e44' }, { label: 'failed', colour: '#e03131' }],
        rateData([read(l => l.tls_handshakes.ok), read(l => l.tls_handshakes.failed)]));
    }
    chart(box, id('latency'), 'latency over the last 5 min (ms)', [
      { label: 'p50', colour: '#1c7ed6' }, { label: 'p99', colour: '#e03131' }],
      valueData([read(l => l.latency.p50_ms), read(l => l.latency.p99_ms)]));
  }
  for (const card of [...container.children]) {
    if (!cards.has(card.getAttribute('data-card'))) {
      card.remove();
    }
  }
  dropCharts('listener:', keep);
}

/** The table's rows: each backend with the rates and totals it is sorted by. */
function backendRows(snapshot) {
  const start = windowStart();
  return snapshot.backends.map(row => {
    const then = backendOf(start, row.backend);
    const recentLeases = then && row.pooled ? leases(row) - leases(then) : 0;
    return Object.assign({}, row, {
      request_rate: rate(start, snapshot, s => leases(backendOf(s, row.backend))),
      connect_rate: rate(start, snapshot, s => {
        const found = backendOf(s, row.backend);
        return found && found.pooled ? found.connections_created : undefined;
      }),
      recent_hit_ratio: recentLeases > 0 ? (row.hits - then.hits) / recentLeases : null,
      evictions_total: row.pooled ? sum(Object.values(row.evictions)) : null,
    });
  });
}

function tlsText(row) {
  if (!row.pooled || row.keys.length === 0) {
    return '–';
  }
  const parts = row.keys.map(key => key.tls
    ? `sni ${key.tls.sni}, verify ${key.tls.verify}, profile ${key.tls.profile}` : 'plain');
  return [...new Set(parts)].join('; ');
}

function evictionText(row) {
  if (!row.pooled) {
    return '–';
  }
  const reasons = Object.entries(row.evictions).filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1]).map(([reason, count]) => `${reason} ${number(count, 0)}`);
  return reasons.length ? reasons.join(', ') : 'none';
}

function compare(a, b) {
  const x = a[view.sortKey];
  const y = b[view.sortKey];
  const missing = (x === null || x === undefined) - (y === null || y === undefined);
  if (missing !== 0) {
    return missing; // rows without the value last, whichever the direction
  }
  const order = typeof x === 'string' ? x.localeCompare(y) : x - y;
  return (view.descending ? -order : order) || a.backend.localeCompare(b.backend);
}

function renderTable(rows) {
  const filter = view.filter.trim().toLowerCase();
  const shown = rows.filter(row => !filter || [row.backend, row.state || '', (row.routes || []).join(' '),
    tlsText(row)].join(' ').toLowerCase().includes(filter)).sort(compare);
  const body = document.createDocumentFragment();
  for (const row of shown) {
    const hit = el('td', { class: 'num hit ' + quality(row.hit_ratio), 'data-hit-ratio': row.hit_ratio },
      el('div', { class: 'ratio' }, percent(row.hit_ratio)),
      el('div', { class: 'bar' }, el('span', {})),
      row.recent_hit_ratio === null ? null : el('div', { class: 'muted' }, 'last 30 s: ' + percent(row.recent_hit_ratio)));
    hit.querySelector('.bar span').style.width = ((row.hit_ratio || 0) * 100) + '%';
    body.append(el('tr', { 'data-backend': row.backend },
      el('td', { class: 'name', title: row.routes && row.routes.length ? 'routes: ' + row.routes.join(', ') : null },
        row.backend),
      el('td', {}, el('span', { class: 'state ' + (row.state || 'untracked') }, row.state || 'not checked')),
      hit,
      el('td', { class: 'num strong' }, number(row.requests_per_connection)),
      el('td', { class: 'num' }, number(row.request_rate)),
      el('td', { class: 'num' }, number(row.connect_rate, 2)),
      el('td', { class: 'num' }, row.pooled ? row.idle : '–'),
      el('td', { class: 'num' }, row.pooled ? row.active : '–'),
      el('td', { class: 'num' }, row.pooled ? row.pending : '–'),
      el('td', { class: 'num' }, row.pooled ? duration(row.oldest_idle_seconds) : '–'),
      el('td', { class: 'small' }, evictionText(row)),
      el('td', { class: 'small' }, tlsText(row))));
  }
  document.querySelector('#backends tbody').replaceChildren(body);
  document.getElementById('backend-count').textContent = `${shown.length} of ${rows.length} backends`;
  for (const header of document.querySelectorAll('#backends th[data-sort]')) {
    header.classList.toggle('sorted', header.dataset.sort === view.sortKey);
    header.classList.toggle('descending', header.dataset.sort === view.sortKey && view.descending);
  }
}

function renderTopBackends(rows) {
  const container = document.getElementById('top-backends');
  const top = rows.filter(row => row.pooled && row.request_rate !== null)
    .sort((a, b) => (b.request_rate - a.request_rate) || a.backend.localeCompare(b.backend)).slice(0, TOP_BACKENDS);
  const keep = new Set();
  const cards = new Set(top.map(row => 'backend:' + row.backend));
  for (const card of [...container.children]) {
    if (!cards.has(card.getAttribute('data-card'))) {
      card.remove();
    }
  }
  for (const row of top) {
    const cardId = 'backend:' + row.backend;
    let card = container.querySelector(`[data-card="${CSS.escape(cardId)}"]`);
    if (!card) {
      card = el('div', { class: 'card', 'data-card': cardId }, el('h3', {}), el('div', { class: 'charts' }));
    }
    container.append(card); // in rank order
    card.querySelector('h3').replaceChildren(el('span', { class: 'name' }, row.backend),
      el('span', { class: 'muted' }, ` hit ratio ${percent(row.hit_ratio)} · `
        + `${number(row.requests_per_connection)} requests/connection`));
    const box = card.querySelector('.charts');
    const read = field => s => {
      const found = backendOf(s, row.backend);
      return found && found.pooled ? field(found) : undefined;
    };
    const leaseId = cardId + ':leases';
    const evictionId = cardId + ':evictions';
    keep.add(leaseId);
    keep.add(evictionId);
    chart(box, leaseId, 'requests/s: reused vs new connection', [
      { label: 'hits', colour: '#2f9e44' }, { label: 'misses', colour: '#e03131' },
      { label: 'new connections', colour: '#f08c00' }],
      rateData([read(b => b.hits), read(b => b.misses), read(b => b.connections_created)]));
    stackedEvictions(box, evictionId, row, read);
  }
  dropCharts('backend:', keep);
}

/** Evictions/s by reason, stacked: reasons that ever happened, each drawn as the sum of itself and those below. */
function stackedEvictions(box, id, row, read) {
  const reasons = Object.keys(row.evictions).filter(reason => row.evictions[reason] > 0);
  const raw = rateData(reasons.map(reason => read(b => b.evictions[reason])));
  const stacked = [raw[0]];
  reasons.forEach((reason, k) => stacked.push(raw[k + 1].map((value, i) =>
    value === null ? null : value + (k === 0 ? 0 : stacked[k][i] || 0))));
  // uPlot paints in order: the tallest first, so that each band below is drawn over it.
  const order = reasons.map((reason, k) => k).reverse();
  chart(box, id, 'evictions/s by reason (stacked)',
    order.map(k => ({
      label: reasons[k], colour: PALETTE[k % PALETTE.length], fill: PALETTE[k % PALETTE.length] + '55',
      value: (plot, value, series, index) => index === null ? '–' : number(raw[k + 1][index], 2),
    })),
    [stacked[0], ...order.map(k => stacked[k + 1])]);
}

function renderEvents(snapshot) {
  const list = document.getElementById('events');
  if (snapshot.events.length === 0) {
    list.replaceChildren(el('li', { class: 'muted' }, 'none yet: evictions by cap, connect failures, stale retries '
      + 'and health transitions appear here'));
    return;
  }
  list.replaceChildren(...snapshot.events.slice(0, 100).map(event => el('li', {},
    el('time', {}, when(event.time)),
    el('span', { class: 'event ' + event.type }, event.type),
    el('span', { class: 'name' }, event.backend),
    el('span', { class: 'muted' }, event.detail))));
}

function renderConfig(snapshot) {
  const config = snapshot.config;
  const reload = config.last_reload;
  const parts = [el('p', {}, 'Loaded at ', el('time', {}, when(config.loaded_at)), '.')];
  if (!reload) {
    parts.push(el('p', { class: 'muted' }, 'Not reloaded since start.'));
  } else if (reload.applied) {
    parts.push(el('p', { class: 'good-text' }, 'Last reload applied at ', when(reload.time), '.'));
  } else {
    parts.push(el('p', { class: 'poor-text' }, 'Last reload refused at ', when(reload.time),
      '; still running the configuration loaded before:'),
    el('ul', { class: 'problems' }, ...reload.problems.map(problem => el('li', {}, problem))));
  }
  if (config.certificates.length === 0) {
    parts.push(el('p', { class: 'muted' }, 'No certificates served (no terminating TLS listener).'));
  } else {
    parts.push(el('table', { class: 'certificates' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Listener'), el('th', {}, 'Certificate'), el('th', {}, 'Expires'),
        el('th', { class: 'num' }, 'Days left'))),
      el('tbody', {}, ...config.certificates.map(certificate => el('tr', {},
        el('td', {}, certificate.listener), el('td', { class: 'name' }, certificate.certificate),
        el('td', {}, when(certificate.expires)),
        el('td', { class: 'num ' + (certificate.days_left < 14 ? 'poor-text' : '') }, certificate.days_left))))));
  }
  document.getElementById('config').replaceChildren(...parts);
}

function render() {
  const snapshot = history[history.length - 1];
  renderReuse(snapshot);
  renderListeners(snapshot);
  const rows = backendRows(snapshot);
  renderTable(rows);
  renderTopBackends(rows);
  renderEvents(snapshot);
  renderConfig(snapshot);
  document.getElementById('updated').textContent = 'updated ' + new Date(snapshot.time).toLocaleTimeString()
    + ` · ${history.length} snapshots kept, one every ${POLL_MS / 1000} s`;
}

async function poll() {
  try {
    const response = await fetch('api/stats', { cache: 'no-store' });
    if (!response.ok) {
      throw new Error(`/api/stats answered ${response.status}`);
    }
    history.push(await response.json());
    if (history.length > HISTORY) {
      history.shift();
    }
    render();
  } catch (error) {
    document.getElementById('updated').textContent = 'cannot read /api/stats: ' + error.message;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

document.getElementById('filter').addEventListener('input', event => {
  view.filter = event.target.value;
  if (history.length) {
    renderTable(backendRows(history[history.length - 1]));
  }
});
for (const header of document.querySelectorAll('#backends th[data-sort]')) {
  header.addEventListener('click', () => {
    const key = header.dataset.sort;
    view.descending = key === view.sortKey ? !view.descending : key !== 'backend' && key !== 'state';
    view.sortKey = key;
    if (history.length) {
      renderTable(backendRows(history[history.length - 1]));
    }
  });
}
poll();
