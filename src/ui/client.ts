/**
 * The live view's page script (plain browser JS, shipped inline as a string). It loads the snapshot,
 * then follows the event stream (live) or replays the snapshot by time (replay). One model ingests
 * rows in arrival order: per machine state, clocks and queue, bucketed chart series, the rows the
 * diagram draws (at most DRAW_CAP; older ones are summarised as counts, said on the page), mutex
 * and election roles. Drawing happens on animation frames, charts and tables at most a few times a
 * second. Publishes `window.__ui` for tests and measurement.
 */
import { NON_CLOCK_EVENTS } from '../algorithms/registry.js';

/** The non-clock event names (the runtime's rows and the algorithms' notes) as a JS object literal. */
const CLOCK_OTHER_LITERAL = `{ ${[...NON_CLOCK_EVENTS].map((e) => `${e}: 1`).join(', ')} }`;

export const LIVE_CLIENT_JS = String.raw`
(function () {
  'use strict';
  var CFG = JSON.parse(document.getElementById('ui-config').textContent);
  var END_OF_RUN = {}; CFG.endOfRunChecks.forEach(function (n) { END_OF_RUN[n] = true; });
  var DRAW_CAP = 200000;        // rows kept for drawing; older ones are summarised
  var MAX_BUCKETS = 2400;       // chart points per series before the buckets double
  var UI = window.__ui = { ready: false, lanes: 0, rows: 0, faults: 0, clocks: {}, states: {}, rowsBy: {}, fps: 0,
    frameMs: 0, frames: 0, ended: false, final: null, analysis: null, errors: [], summarised: 0, mode: null, leaders: {}, faultShown: [] };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function detailOf(s) { var o = {}; (s || '').split(' ').forEach(function (p) { var k = p.indexOf('='); if (k > 0) o[p.slice(0, k)] = p.slice(k + 1); }); return o; }
  function colour(i, n, a) { var h = Math.round((i * 360 / Math.max(n, 1)) % 360); return 'hsla(' + h + ',70%,' + (i % 3 === 1 ? 35 : 45) + '%,' + (a == null ? 1 : a) + ')'; }
  function fmtS(ms) { return (ms / 1000).toFixed(1) + ' s'; }
  function safely(name, fn) { try { fn(); } catch (e) { UI.errors.push(name + ': ' + (e && e.message || e)); console.error(e); } }

  // ---------- model ----------
  var M, byId, t0, lastT, algorithm, msgs, faults, partitions, buckets, dirtyTable, dirtyCharts, summarised;
  function reset() {
    M = []; byId = {}; t0 = null; lastT = 0; algorithm = null; msgs = {}; faults = []; partitions = [];
    buckets = { size: 250, xs: [], lam: [], q: [] }; dirtyTable = true; dirtyCharts = true; summarised = 0;
    UI.rows = 0; UI.faults = 0; UI.summarised = 0; UI.faultShown = [];
  }
  function machine(id) {
    var m = byId[id];
    if (m) return m;
    m = { id: id, state: 'starting', tickRate: null, lamport: 0, queue: 0, rows: 0, events: {}, leader: null, cs: 'idle', csTs: null,
      ticks: [], draw: [], lastT: 0, rank: null, lastStart: null };
    M.push(m); M.sort(function (a, b) { return a.id - b.id; });
    byId[id] = m;
    M.forEach(function (x, i) { x.idx = i; });
    rebuildSeries();
    return m;
  }
  var CLOCK_OTHER = ${CLOCK_OTHER_LITERAL};
  function kindOf(ev) { return ev === 'SEND' ? 1 : ev === 'RECEIVE' ? 2 : ev === 'INTERNAL' ? 0 : CLOCK_OTHER[ev] ? 4 : 3; }
  function ingest(r) {
    // r = [machine, epoch_ms, event, lamport, queue_len, peer, msg_id, detail, line]
    var m = machine(r[0]), t = r[1], ev = r[2];
    if (t0 === null) t0 = t;
    if (t > lastT) lastT = t;
    m.rows++; UI.rows++;
    m.events[ev] = (m.events[ev] || 0) + 1;
    m.lamport = r[3]; m.queue = r[4]; m.lastT = t;
    var k = kindOf(ev);
    if (k !== 4) { m.ticks.push(t); if (m.ticks.length > 64) m.ticks.splice(0, 32); }
    if (ev === 'START') {
      var d = detailOf(r[7]);
      if (d.tick_rate) m.tickRate = Number(d.tick_rate);
      if (d.algorithm && !algorithm) algorithm = d.algorithm;
      if (d.rank) m.rank = d.rank;
      m.state = 'running'; m.leader = null; m.cs = 'idle';
    } else if (ev === 'STOP') { m.state = 'stopped'; }
    else if (ev === 'LEADER') { m.leader = Number(detailOf(r[7]).leader); }
    else if (ev === 'LEADER_LOST') { m.leader = null; }
    else if (ev === 'CS_REQUEST') { m.cs = 'waiting'; m.csTs = r[3]; }
    else if (ev === 'CS_ENTER') { m.cs = 'holding'; }
    else if (ev === 'CS_EXIT') { m.cs = 'idle'; m.csTs = null; }
    else if (m.state === 'starting') m.state = 'running';
    if (ev === 'START') m.lastStart = t;
    if (k === 1 && r[6]) msgs[r[6]] = { m: m, t: t };
    m.draw.push(r);
    // chart buckets
    var b = Math.max(0, Math.floor((t - t0) / buckets.size));
    while (buckets.xs.length <= b) {
      buckets.xs.push((buckets.xs.length * buckets.size) / 1000);
      for (var i = 0; i < M.length; i++) { buckets.lam[i].push(null); buckets.q[i].push(null); }
    }
    buckets.lam[m.idx][b] = r[3]; buckets.q[m.idx][b] = r[4];
    if (buckets.xs.length > MAX_BUCKETS) coarsen();
    dirtyTable = true; dirtyCharts = true;
  }
  function rebuildSeries() {
    // a new machine: series arrays in machine order, existing values kept
    var old = buckets.byId || {};
    var lam = [], q = [];
    M.forEach(function (m) {
      var o = old[m.id];
      lam.push(o ? o.lam : buckets.xs.map(function () { return null; }));
      q.push(o ? o.q : buckets.xs.map(function () { return null; }));
    });
    buckets.lam = lam; buckets.q = q;
    buckets.byId = {};
    M.forEach(function (m, i) { buckets.byId[m.id] = { lam: lam[i], q: q[i] }; });
    charts.reset = true;
  }
  function coarsen() {
    function halve(a) { var o = []; for (var i = 0; i < a.length; i += 2) { var v = a[i + 1] != null ? a[i + 1] : a[i]; o.push(v == null ? null : v); } return o; }
    buckets.size *= 2;
    buckets.xs = buckets.xs.filter(function (_, i) { return i % 2 === 0; });
    for (var i = 0; i < M.length; i++) {
      buckets.lam[i] = halve(buckets.lam[i]); buckets.q[i] = halve(buckets.q[i]);
      buckets.byId[M[i].id] = { lam: buckets.lam[i], q: buckets.q[i] };
    }
  }
  function ingestFault(f) {
    // f = [epoch_ms, fault, machine, detail, line]
    var fault = { t: f[0], fault: f[1], machine: f[2], detail: f[3] };
    faults.push(fault); UI.faults++;
    var m = f[2] != null ? machine(f[2]) : null;
    var startedSince = m && m.lastStart != null && m.lastStart >= f[0];
    if (f[1] === 'kill' && m) { if (!startedSince) { m.state = 'killed'; m.leader = null; m.cs = 'idle'; } }
    else if (f[1] === 'pause' && m) m.state = 'paused';
    else if (f[1] === 'resume' && m) m.state = 'running';
    else if (f[1] === 'restart' && m) { if (!startedSince) m.state = 'starting'; }
    else if (f[1] === 'partition') partitions.push({ from: f[0], to: null, text: f[3] });
    else if (f[1] === 'heal') { var d = detailOf(f[3]); for (var i = partitions.length - 1; i >= 0; i--) if (partitions[i].to === null && detailOf(partitions[i].text).spec === d.spec) { partitions[i].to = f[0]; break; } }
    if (fault.t > lastT) lastT = fault.t;
    dirtyTable = true;
  }
  function summarise() {
    // keep the drawing bounded: the oldest half of every lane goes into the counts
    var total = 0; M.forEach(function (m) { total += m.draw.length; });
    if (total <= DRAW_CAP) return;
    M.forEach(function (m) { var cut = Math.floor(m.draw.length / 2); summarised += cut; m.draw = m.draw.slice(cut); });
    UI.summarised = summarised;
    $('summarised').textContent = summarised.toLocaleString() + ' oldest events summarised (counted in the tables and charts, not drawn; /api/snapshot has them all)';
  }

  // ---------- tables and panels ----------
  var rowEls = {};
  function rate(m) {
    var a = m.ticks; if (a.length < 2) return '-';
    var span = (a[a.length - 1] - a[0]) / 1000; return span > 0 ? ((a.length - 1) / span).toFixed(1) : '-';
  }
  function renderTable() {
    var body = $('machine-rows');
    var roleHead = algorithm && algorithm.indexOf('mutex') >= 0 || algorithm === 'ricart-agrawala' ? 'critical section' : (algorithm === 'election' || algorithm === 'bully') ? 'follows' : 'role';
    $('role-head').textContent = roleHead;
    M.forEach(function (m) {
      var r = rowEls[m.id];
      if (!r) {
        r = rowEls[m.id] = {};
        var tr = el('tr');
        ['id', 'state', 'tick', 'seen', 'lamport', 'queue', 'rows', 'role'].forEach(function (k) { var td = el('td'); td.setAttribute('data-testid', 'm-' + m.id + '-' + k); r[k] = td; tr.appendChild(td); });
        r.id.textContent = 'm' + m.id; r.tr = tr;
      }
      if (r.tr.parentNode !== body || body.children[m.idx] !== r.tr) body.insertBefore(r.tr, body.children[m.idx] || null);
      r.state.textContent = m.state; r.state.className = 'st-' + m.state;
      r.tick.textContent = m.tickRate == null ? '-' : m.tickRate;
      r.seen.textContent = m.state === 'running' ? rate(m) : '-';
      r.lamport.textContent = m.lamport; r.queue.textContent = m.queue; r.rows.textContent = m.rows;
      var role = '';
      if (algorithm === 'election' || algorithm === 'bully') role = m.leader == null ? '-' : (m.leader === m.id ? 'leader' : 'm' + m.leader);
      else if (m.cs !== 'idle' || (algorithm && algorithm !== 'workload')) role = m.cs;
      r.role.textContent = role; r.role.className = role === 'leader' || role === 'holding' ? 'lead' : role === 'waiting' ? 'waiting' : '';
      UI.clocks[m.id] = m.lamport; UI.states[m.id] = m.state; UI.rowsBy[m.id] = m.rows; UI.leaders[m.id] = m.leader;
    });
    UI.lanes = M.length;
    // how long after it was recorded each fault first showed (live runs; same host clock)
    for (var fi = UI.faultShown.length; fi < faults.length; fi++) UI.faultShown.push({ fault: faults[fi].fault, machine: faults[fi].machine, latencyMs: Date.now() - faults[fi].t });
    renderAlgorithm();
    var s = M.length + ' machine(s), ' + UI.rows.toLocaleString() + ' rows, ' + faults.length + ' fault record(s)' + (algorithm ? ', algorithm ' + algorithm : '');
    if (t0 !== null) s += ', ' + fmtS(lastT - t0) + ' of run';
    $('summary').textContent = s;
  }
  function renderAlgorithm() {
    var box = $('algo'); var live = M.filter(function (m) { return m.state === 'running' || m.state === 'paused'; });
    if (!live.length) live = M.filter(function (m) { return m.state === 'stopped'; }); // the run's end: as it stopped
    if (algorithm === 'election' || algorithm === 'bully') {
      $('algo-head').textContent = 'Election: who leads whom';
      var groups = {}; live.forEach(function (m) { var k = m.leader == null ? 'none' : m.leader; (groups[k] = groups[k] || []).push(m.id); });
      var parts = Object.keys(groups).map(function (k) {
        var who = groups[k].map(function (id) { return 'm' + id; }).join(', ');
        if (k === 'none') return 'no leader yet: ' + who;
        var leader = byId[k]; var dead = leader && leader.state === 'killed' ? ' (killed!)' : '';
        return 'm' + k + dead + ' leads ' + who;
      });
      box.textContent = parts.length ? parts.join(' · ') : '—';
      box.className = 'lead';
    } else if (algorithm === 'mutex' || algorithm === 'ricart-agrawala') {
      $('algo-head').textContent = 'Mutual exclusion';
      var hold = live.filter(function (m) { return m.cs === 'holding'; }).map(function (m) { return 'm' + m.id; });
      var wait = live.filter(function (m) { return m.cs === 'waiting'; }).sort(function (a, b) { return a.csTs - b.csTs || a.id - b.id; })
        .map(function (m) { return 'm' + m.id + ' (ts ' + m.csTs + ')'; });
      box.textContent = 'in the critical section: ' + (hold.join(', ') || 'nobody') + ' · waiting: ' + (wait.join(', ') || 'nobody');
      box.className = hold.length > 1 ? 'fail' : '';
    } else { $('algo-head').textContent = 'Algorithm'; box.textContent = algorithm || '—'; }
  }
  function renderChecks(a) {
    UI.analysis = a;
    var box = $('checks'); box.textContent = '';
    if (!a) return;
    var failed = 0;
    a.checks.forEach(function (c) {
      var pending = !a.final && END_OF_RUN[c.name];
      var cls = pending ? 'pending' : c.ok ? 'pass' : 'fail';
      if (cls === 'fail') failed++;
      var d = el('div', 'check ' + cls); d.setAttribute('data-testid', 'check-' + c.name);
      d.appendChild(el('b', null, pending ? 'AT END ' : c.ok ? 'PASS ' : 'FAIL '));
      d.appendChild(el('code', null, c.name));
      d.appendChild(document.createTextNode(': ' + c.violations + ' violation(s) — ' + c.description + (pending ? ' (judged when the run ends)' : '')));
      if (!c.ok && !pending && c.examples.length) {
        var ul = el('ul'); c.examples.forEach(function (x) { ul.appendChild(el('li', null, x.where + ' ' + x.message)); }); d.appendChild(ul);
      }
      box.appendChild(d);
    });
    var v = $('checks-verdict'); v.textContent = failed ? failed + ' failing' : 'all hold'; v.className = failed ? 'fail' : 'pass';
    $('checks-note').textContent = (a.final ? 'complete run, ' : 'rows up to ' + (t0 !== null ? fmtS(a.cutMs - t0) : '?') + ' (a consistent cut), ') +
      a.rows.toLocaleString() + ' rows' + (a.final ? '' : ', analysis took ' + Math.round(a.durationMs) + ' ms');
  }
  function renderFinal(res) {
    UI.final = res; if (!res) return;
    $('final-section').style.display = '';
    var body = $('final-rows'); body.textContent = '';
    res.stats.forEach(function (s) {
      var tr = el('tr');
      [['id', 'm' + s.machine], ['rows', s.rows], ['lamport', s.finalLamport], ['sent', s.messages.sent], ['received', s.messages.received],
        ['dropped', s.messages.dropped], ['queue', s.queue.max], ['jump', s.jumps.max]].forEach(function (p) {
        var td = el('td', null, String(p[1])); td.setAttribute('data-testid', 'final-' + s.machine + '-' + p[0]); tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  // ---------- charts ----------
  var charts = { lam: null, q: null, reset: true };
  function makeChart(id, ylabel, data) {
    var series = [{ label: 's' }];
    M.forEach(function (m, i) { series.push({ label: 'm' + m.id, stroke: colour(i, M.length), width: 1.5, spanGaps: true, points: { show: false } }); });
    var host = $(id); host.textContent = '';
    return new uPlot({ width: Math.max(300, host.clientWidth || 500), height: 240, scales: { x: { time: false } }, legend: { show: M.length <= 12 },
      axes: [{ label: 'seconds since the first row' }, { label: ylabel }], series: series }, data, host);
  }
  function renderCharts() {
    if (!M.length) return;
    var lam = [buckets.xs].concat(buckets.lam), q = [buckets.xs].concat(buckets.q);
    if (charts.reset || !charts.lam) {
      if (charts.lam) charts.lam.destroy(); if (charts.q) charts.q.destroy();
      charts.lam = makeChart('chart-lamport', 'Lamport clock', lam); charts.q = makeChart('chart-queue', 'queue length', q); charts.reset = false;
    } else { charts.lam.setData(lam); charts.q.setData(q); }
  }

  // ---------- space-time diagram ----------
  var cv = $('diagram'), ctx = cv.getContext('2d'), tip = $('tip');
  var view = { follow: true, span: 20000, end: 0 }, drag = null, frameTimes = [], hover = null;
  function nowT() {
    if (mode === 'replay') return cursorT;
    if (!view.follow || UI.ended) return lastT;
    return Math.max(lastT, lastT + Math.min(1000, performance.now() - lastArrival));
  }
  function lower(a, t) { var lo = 0, hi = a.length; while (lo < hi) { var mid = (lo + hi) >> 1; if (a[mid][1] < t) lo = mid + 1; else hi = mid; } return lo; }
  var KIND_COLOUR = ['#999', '#1f5fbf', '#000', '#e08000', '#ccc'];
  function draw() {
    var t = performance.now();
    var w = cv.clientWidth || 900, n = Math.max(M.length, 1);
    var laneH = Math.max(8, Math.min(36, Math.floor(560 / n))), top = 16, left = 44;
    var h = top + laneH * n + 20, dpr = window.devicePixelRatio || 1;
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) { cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr); cv.style.height = h + 'px'; }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    var end = view.follow ? nowT() : view.end, start = end - view.span, pw = w - left - 8;
    view.end = end;
    function X(tt) { return left + (tt - start) / view.span * pw; }
    function Y(m) { return top + m.idx * laneH + laneH / 2; }
    // partitions and pauses
    partitions.forEach(function (p) { var a = X(p.from), b = X(p.to == null ? end : p.to); if (b > left && a < w) { ctx.fillStyle = 'rgba(140,60,200,0.12)'; ctx.fillRect(Math.max(left, a), top, Math.min(w, b) - Math.max(left, a), laneH * n); } });
    var pausedAt = {};
    faults.forEach(function (f) {
      if (f.machine == null || !byId[f.machine]) return;
      if (f.fault === 'pause') pausedAt[f.machine] = f.t;
      else if (f.fault === 'resume' && pausedAt[f.machine] != null) { band(byId[f.machine], pausedAt[f.machine], f.t); delete pausedAt[f.machine]; }
    });
    Object.keys(pausedAt).forEach(function (id) { band(byId[id], pausedAt[id], end); });
    function band(m, a, b) { var xa = X(a), xb = X(b); ctx.fillStyle = 'rgba(230,140,0,0.25)'; ctx.fillRect(Math.max(left, xa), Y(m) - laneH / 2, Math.max(0, Math.min(w, xb) - Math.max(left, xa)), laneH); }
    // lanes
    ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
    M.forEach(function (m) {
      var y = Y(m);
      ctx.strokeStyle = m.state === 'killed' ? '#f3b0b0' : '#e4e4e4'; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(w - 8, y); ctx.stroke();
      ctx.fillStyle = m.state === 'killed' ? '#c00' : m.state === 'paused' ? '#c60' : '#333';
      ctx.fillText('m' + m.id, 4, y);
    });
    // arrows (receives in view, and a little after it, so arrows leaving the view show)
    ctx.strokeStyle = 'rgba(40,80,160,0.35)'; ctx.lineWidth = 1; ctx.beginPath();
    var arrows = 0, dots = 0;
    M.forEach(function (m) {
      var a = m.draw, i = lower(a, start);
      for (; i < a.length && a[i][1] <= end + 3000; i++) {
        var r = a[i]; if (r[2] !== 'RECEIVE') continue;
        var s = msgs[r[6]]; if (!s || s.t > end) continue;
        ctx.moveTo(X(s.t), Y(s.m)); ctx.lineTo(X(r[1]), Y(m)); arrows++;
      }
    });
    ctx.stroke();
    // arrowheads at the receiving end, while there are few enough to see
    if (arrows < 1500) {
      ctx.fillStyle = 'rgba(40,80,160,0.6)';
      M.forEach(function (m) {
        var a = m.draw, i = lower(a, start);
        for (; i < a.length && a[i][1] <= end; i++) {
          var r = a[i]; if (r[2] !== 'RECEIVE') continue;
          var s = msgs[r[6]]; if (!s) continue;
          var x1 = X(s.t), y1 = Y(s.m), x2 = X(r[1]), y2 = Y(m), ang = Math.atan2(y2 - y1, x2 - x1), L = 6;
          ctx.beginPath(); ctx.moveTo(x2, y2);
          ctx.lineTo(x2 - L * Math.cos(ang - 0.4), y2 - L * Math.sin(ang - 0.4)); ctx.lineTo(x2 - L * Math.cos(ang + 0.4), y2 - L * Math.sin(ang + 0.4)); ctx.fill();
        }
      });
    }
    // events: at most one dot per pixel column and kind per lane
    var ds = Math.max(3, Math.min(7, Math.round(laneH / 5)));
    M.forEach(function (m) {
      var a = m.draw, i = lower(a, start), y = Y(m), lastX = [-1, -1, -1, -1, -1];
      for (; i < a.length && a[i][1] <= end; i++) {
        var r = a[i], k = kindOf(r[2]), x = Math.round(X(r[1]));
        if (x === lastX[k]) continue; lastX[k] = x;
        ctx.fillStyle = KIND_COLOUR[k];
        if (k === 3) ctx.fillRect(x - ds / 2, y - ds, ds, ds * 2); else ctx.fillRect(x - ds / 2, y - ds / 2, ds, ds);
        dots++;
      }
    });
    // algorithm events are named when there is room (LEADER, ELECTION, CS_ENTER, ...)
    if (view.span <= 30000 && n <= 12) {
      ctx.font = '10px system-ui, sans-serif'; ctx.textBaseline = 'bottom'; ctx.fillStyle = '#a05a00';
      M.forEach(function (m) {
        var a = m.draw, i = lower(a, start), y = Y(m), lastLabel = -1e9;
        for (; i < a.length && a[i][1] <= end; i++) {
          var r = a[i]; if (kindOf(r[2]) !== 3) continue;
          var x = X(r[1]); if (x - lastLabel < 70) continue; lastLabel = x;
          var label = r[2] === 'LEADER' ? 'LEADER ' + (detailOf(r[7]).leader || '') : r[2];
          ctx.fillText(label, x + 3, y - ds - 1);
        }
      });
      ctx.textBaseline = 'middle';
    }
    // process faults
    faults.forEach(function (f) {
      var m = f.machine != null ? byId[f.machine] : null, x = X(f.t); if (!m || x < left || x > w) return;
      var y = Y(m);
      if (f.fault === 'kill') { ctx.strokeStyle = '#d00'; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(x - 5, y - 5); ctx.lineTo(x + 5, y + 5); ctx.moveTo(x + 5, y - 5); ctx.lineTo(x - 5, y + 5); ctx.stroke(); }
      else if (f.fault === 'restart') { ctx.fillStyle = '#0a0'; ctx.beginPath(); ctx.moveTo(x, y - 6); ctx.lineTo(x - 5, y + 4); ctx.lineTo(x + 5, y + 4); ctx.fill(); }
    });
    // time axis
    ctx.fillStyle = '#666'; ctx.textBaseline = 'top';
    if (t0 !== null) {
      var step = Math.pow(10, Math.floor(Math.log10(view.span / 6))); if (view.span / step > 12) step *= 5; else if (view.span / step > 6) step *= 2;
      for (var tt = Math.max(0, Math.ceil((start - t0) / step) * step); tt <= end - t0; tt += step) { var x = X(t0 + tt); ctx.fillRect(x, top + laneH * n, 1, 4); ctx.fillText((tt / 1000).toFixed(step < 1000 ? 1 : 0) + ' s', x + 2, top + laneH * n + 4); }
    }
    UI.diagram = { dots: dots, arrows: arrows, lanes: M.length, start: start, end: end };
    geometry = { left: left, top: top, laneH: laneH, start: start, span: view.span, pw: pw };
    var dt = performance.now() - t;
    frameTimes.push(performance.now()); while (frameTimes.length && frameTimes[0] < performance.now() - 1000) frameTimes.shift();
    UI.fps = frameTimes.length; UI.frames++; UI.frameMs = UI.frameMs * 0.9 + dt * 0.1;
  }
  var geometry = null;
  cv.addEventListener('wheel', function (e) {
    e.preventDefault(); if (!geometry) return;
    var f = e.deltaY > 0 ? 1.25 : 0.8, x = (e.offsetX - geometry.left) / geometry.pw, at = view.end - view.span + x * view.span;
    view.span = Math.max(200, Math.min(3600e3, view.span * f));
    if (!view.follow || f < 1) { view.follow = false; view.end = at + (1 - x) * view.span; }
  }, { passive: false });
  cv.addEventListener('mousedown', function (e) { drag = { x: e.clientX, end: view.end }; cv.style.cursor = 'grabbing'; });
  window.addEventListener('mouseup', function () { drag = null; cv.style.cursor = 'grab'; });
  window.addEventListener('mousemove', function (e) {
    if (drag && geometry) {
      var dx = e.clientX - drag.x; if (Math.abs(dx) < 2) return;
      view.follow = false; view.end = drag.end - dx / geometry.pw * view.span;
      if (view.end >= lastT) { view.end = lastT; }
    }
  });
  cv.addEventListener('mousemove', function (e) {
    if (!geometry || drag) return;
    var lane = Math.floor((e.offsetY - geometry.top) / geometry.laneH), m = M[lane];
    if (!m) { tip.style.display = 'none'; return; }
    var t = geometry.start + (e.offsetX - geometry.left) / geometry.pw * geometry.span, a = m.draw, i = lower(a, t), best = null;
    [i - 1, i].forEach(function (j) { if (a[j] && (!best || Math.abs(a[j][1] - t) < Math.abs(best[1] - t))) best = a[j]; });
    if (!best || Math.abs(best[1] - t) / geometry.span * geometry.pw > 6) { tip.style.display = 'none'; return; }
    tip.textContent = 'log_' + best[0] + '.csv:' + best[8] + '\n' + best[2] + ' lamport=' + best[3] + ' queue=' + best[4] +
      (best[5] ? ' peer=' + best[5] : '') + (best[6] ? ' msg=' + best[6] : '') + (best[7] ? '\n' + best[7] : '') + '\n' + new Date(best[1]).toISOString();
    tip.style.display = 'block'; tip.style.left = (e.offsetX + 12) + 'px'; tip.style.top = (e.offsetY + 12) + 'px';
  });
  cv.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  $('follow').addEventListener('click', function () { view.follow = true; view.span = Math.min(view.span, 60000); });

  // ---------- loop ----------
  var lastTable = 0, lastCharts = 0, lastArrival = performance.now();
  function frame() {
    safely('frame', function () {
      if (mode === 'replay') replayStep();
      draw();
      var now = performance.now();
      if (dirtyTable && now - lastTable > 250) { dirtyTable = false; lastTable = now; renderTable(); UI.tableMs = performance.now() - now; }
      if (dirtyCharts && now - lastCharts > 1000) { dirtyCharts = false; lastCharts = performance.now(); renderCharts(); UI.chartMs = performance.now() - lastCharts; }
    });
    requestAnimationFrame(frame);
  }

  // ---------- data in ----------
  var mode = null, seq = 0, faultSeq = 0, es = null, warnings = [];
  function status(text, cls) { var s = $('status'); s.textContent = text; s.className = cls; }
  function addWarnings(ws) { if (!ws || !ws.length) return; warnings = warnings.concat(ws); $('warnings').textContent = 'warnings: ' + warnings.slice(-20).join('; '); }
  function applyBatch(b) {
    for (var i = Math.max(0, seq - b.from); i < b.rows.length; i++) ingest(b.rows[i]);
    for (var j = Math.max(0, faultSeq - b.faultFrom); j < b.faults.length; j++) ingestFault(b.faults[j]);
    seq = Math.max(seq, b.seq); faultSeq = Math.max(faultSeq, b.faultSeq);
    addWarnings(b.warnings); summarise(); lastArrival = performance.now();
  }
  function end(d) {
    UI.ended = true;
    if (d.analysis) renderChecks(d.analysis);
    renderFinal(d.result);
    renderTable();
    status(mode === 'replay' ? 'replay of ' + SNAP.dir : 'run ended', 'ended');
  }
  var SNAP = null;
  function connect() {
    es = new EventSource('/api/stream?since=' + seq + '.' + faultSeq);
    es.addEventListener('open', function () { if (!UI.ended) status('live', 'live'); });
    es.addEventListener('batch', function (e) { safely('batch', function () { applyBatch(JSON.parse(e.data)); }); });
    es.addEventListener('analysis', function (e) { safely('analysis', function () { renderChecks(JSON.parse(e.data)); }); });
    es.addEventListener('end', function (e) { safely('end', function () { end(JSON.parse(e.data)); }); es.close(); });
    es.addEventListener('error', function () { if (UI.ended) es.close(); else status('reconnecting…', 'lost'); });
  }

  // ---------- replay ----------
  var all = [], allFaults = [], rowPos = 0, faultPos = 0, cursorT = 0, tMin = 0, tMax = 0, playing = false, lastStep = 0;
  function seek(t) {
    if (t < cursorT) { reset(); rowPos = 0; faultPos = 0; rowEls = {}; $('machine-rows').textContent = ''; charts.reset = true; }
    cursorT = t;
    while (rowPos < all.length && all[rowPos][1] <= t) ingest(all[rowPos++]);
    while (faultPos < allFaults.length && allFaults[faultPos][0] <= t) ingestFault(allFaults[faultPos++]);
    summarise();
    if (t0 === null) t0 = tMin;
    lastT = Math.max(lastT, t);
    $('cursor').textContent = fmtS(t - tMin) + ' / ' + fmtS(tMax - tMin);
    $('slider').value = String(Math.round((t - tMin) / Math.max(1, tMax - tMin) * 1000));
  }
  function replayStep() {
    var now = performance.now();
    if (playing) {
      var next = cursorT + (now - lastStep) * Number($('speed').value);
      if (next >= tMax) { next = tMax; playing = false; $('play').textContent = 'play'; }
      seek(next);
    }
    lastStep = now;
  }
  function startReplay(s) {
    $('replay').style.display = 'flex'; $('title').textContent = 'replay';
    all = s.rows; allFaults = s.faults.slice().sort(function (a, b) { return a[0] - b[0]; });
    tMin = all.length ? all[0][1] : 0; tMax = all.length ? all[all.length - 1][1] : 0;
    allFaults.forEach(function (f) { if (f[0] > tMax) tMax = f[0]; });
    cursorT = tMin - 1; seek(tMax);
    $('slider').addEventListener('input', function () { playing = false; $('play').textContent = 'play'; seek(tMin + Number($('slider').value) / 1000 * (tMax - tMin)); });
    $('play').addEventListener('click', function () {
      playing = !playing; $('play').textContent = playing ? 'pause' : 'play';
      if (playing && cursorT >= tMax) seek(tMin);
      lastStep = performance.now();
    });
    view.span = Math.min(Math.max(2000, tMax - tMin), 20000);
  }

  reset();
  fetch('/api/snapshot').then(function (r) { return r.json(); }).then(function (s) {
    safely('snapshot', function () {
      SNAP = s; mode = UI.mode = s.mode;
      if (s.mode === 'replay') startReplay(s);
      else applyBatch({ from: 0, seq: s.seq, faultFrom: 0, faultSeq: s.faultSeq, rows: s.rows, faults: s.faults, warnings: s.warnings });
      if (s.analysis) renderChecks(s.analysis);
      renderTable(); renderCharts();
      if (s.ended) end({ analysis: s.analysis, result: s.result });
      else { status('live', 'live'); connect(); }
      UI.ready = true;
    });
    requestAnimationFrame(frame);
  }).catch(function (e) { UI.errors.push('snapshot: ' + e); status('cannot load the snapshot', 'lost'); });
})();
`;
