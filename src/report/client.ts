/**
 * The report page's own script (plain browser JS, shipped inline as a string). It reads the JSON
 * data block, draws the uPlot charts (fault windows as bands, integer ticks, legends with tick
 * rates), wires the PNG/CSV downloads, resizes the charts with the page (and for printing), and
 * starts the space-time diagram (spacetime.ts). Publishes
 * `window.__reportReady = { charts: [{ id, series }], messages, undelivered, diagram, errors }` and
 * `window.__diagram` for browser tests.
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var M = D.machines;
  var N = M.length;
  var ready = { charts: [], messages: D.diagram.messages.length / 5, undelivered: D.diagram.undelivered.length / 4, diagram: null, errors: [], faults: D.info.faults.length };
  var charts = [];

  // 20 colours told apart at a glance (Trubetskoy's list, the pale ones last); beyond 20, golden-angle hues
  var PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324', '#469990', '#800000',
    '#808000', '#000075', '#bfef45', '#a9a9a9', '#ffe119', '#dcbeff', '#aaffc3', '#ffd8b1', '#fabed4', '#fffac8'];
  var STUB = '#000000';               // undelivered copies: black, which no machine uses
  var KINDS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666'];
  function colour(i) { return i < PALETTE.length ? PALETTE[i] : 'hsl(' + Math.round((i * 137.508) % 360) + ',65%,40%)'; }
  function withAlpha(hex, a) {
    if (hex.charAt(0) !== '#') return hex;
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + (n >> 16 & 255) + ',' + (n >> 8 & 255) + ',' + (n & 255) + ',' + a + ')';
  }
  function kindColour(k) { return KINDS[k % KINDS.length]; }
  var FAULT_RGB = { kill: '200,0,0', pause: '230,150,0', partition: '90,90,220' };
  function faultColour(kind, a) { return 'rgba(' + (FAULT_RGB[kind] || '120,120,120') + ',' + a + ')'; }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function label(m) { return 'm' + m.id + (m.tickRate != null ? ' (' + m.tickRate + ' tick' + (m.tickRate === 1 ? '' : 's') + '/s)' : ''); }
  // x values in seconds, made strictly increasing (rows in the same ms get µs offsets)
  function secs(t) {
    var xs = new Array(t.length), prev = -Infinity;
    for (var i = 0; i < t.length; i++) { var x = t[i] / 1000; if (x <= prev) x = prev + 1e-6; xs[i] = x; prev = x; }
    return xs;
  }
  function width(box) { return Math.max(280, box.clientWidth || 900); }
  function safely(name, fn) {
    try { fn(); } catch (e) { ready.errors.push(name + ': ' + (e && e.message || e)); console.error(e); }
  }
  function download(name, blob) {
    var a = el('a', { href: URL.createObjectURL(blob), download: name });
    document.body.appendChild(a); a.click();
    // the blob URL must outlive the browser's fetch of it: a busy machine can take seconds to start
    // the download, and a URL revoked before that loses the download without a word
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
  }
  function csvBlob(lines) { return new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }); }
  // a PNG of a chart: its title, its canvas and a legend line, on white
  function pngOf(title, canvas, legend, done) {
    var pad = 8, th = 22, lh = legend.length ? 20 : 0, dpr = window.devicePixelRatio || 1;
    var c = document.createElement('canvas');
    c.width = canvas.width + 2 * pad * dpr; c.height = canvas.height + (th + lh + 2 * pad) * dpr;
    var g = c.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
    g.scale(dpr, dpr); g.fillStyle = '#222'; g.font = 'bold 14px sans-serif'; g.textBaseline = 'middle';
    g.fillText(title, pad, pad + th / 2);
    g.drawImage(canvas, pad, pad + th, canvas.width / dpr, canvas.height / dpr);
    var x = pad, y = pad + th + canvas.height / dpr + lh / 2;
    g.font = '12px sans-serif';
    legend.forEach(function (l) { g.fillStyle = l[1]; g.fillRect(x, y - 5, 10, 10); g.fillStyle = '#222'; g.fillText(l[0], x + 14, y); x += 24 + g.measureText(l[0]).width; });
    c.toBlob(done, 'image/png');
  }
  function toolbar(box, name, onPng, onCsv) {
    var bar = el('div', { 'class': 'toolbar no-print' });
    var p = el('button', { type: 'button', 'data-testid': 'png-' + name }, 'PNG');
    var c = el('button', { type: 'button', 'data-testid': 'csv-' + name }, 'CSV');
    p.addEventListener('click', onPng); c.addEventListener('click', onCsv);
    bar.appendChild(p); bar.appendChild(c);
    box.parentNode.insertBefore(bar, box);
  }
  var intIncrs = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];
  // fault windows as bands behind the series, labelled at the top
  var FAULTS = D.info.faults.map(function (f) { return { kind: f.kind, label: f.label, x0: (f.from - D.t0) / 1000, x1: f.to == null ? null : (f.to - D.t0) / 1000 }; });
  function faultHook(u) {
    if (!FAULTS.length) return;
    var g = u.ctx, bb = u.bbox, dpr = window.devicePixelRatio || 1, xmax = u.scales.x.max;
    g.save();
    FAULTS.forEach(function (f, i) {
      var a = u.valToPos(f.x0, 'x', true), b = u.valToPos(f.x1 == null ? xmax : f.x1, 'x', true);
      a = Math.max(bb.left, a); b = Math.min(bb.left + bb.width, b);
      if (b <= a) b = a + 2 * dpr;
      if (a > bb.left + bb.width) return;
      g.fillStyle = faultColour(f.kind, 0.13); g.fillRect(a, bb.top, b - a, bb.height);
      g.fillStyle = faultColour(f.kind, 0.9); g.font = (10 * dpr) + 'px sans-serif'; g.textBaseline = 'top';
      g.fillText(f.label, a + 2 * dpr, bb.top + 2 * dpr + (i % 3) * 12 * dpr);
    });
    g.restore();
  }
  function register(id, u, meta) { ready.charts.push({ id: id, series: u.series.length - 1, faultBands: FAULTS.length }); charts.push({ id: id, u: u, meta: meta }); }

  function lineChart(id, title, ylabel, tables, opts) {
    var box = document.getElementById(id);
    var data = uPlot.join(tables);
    var series = [{ label: 'time (s)', value: function (u, v) { return v == null ? '-' : v.toFixed(3); } }];
    M.forEach(function (m, i) {
      var s = { label: label(m), stroke: colour(i), width: 1.5, spanGaps: true, points: { show: false } };
      if (opts && opts.series) opts.series(s, i);
      series.push(s);
    });
    var u = new uPlot({
      title: title, width: width(box), height: 300,
      axes: [{ label: 'system time (s since the first row)' }, { label: ylabel, size: 64, labelSize: 22, incrs: intIncrs }],
      // integer data from 0 (an all-zero queue shows 0..1, not uPlot's 0..100)
      scales: { x: { time: false }, y: { range: function (u, lo, hi) { return [Math.min(0, lo), Math.max(1, Math.ceil(hi * 1.05 + (opts.pad || 0)))]; } } },
      series: series,
      hooks: { drawAxes: [faultHook] },
    }, data, box);
    register(id, u, { title: title, csv: opts.csv });
    toolbar(box, id, function () { exportPng(id); }, function () { download(id + '.csv', csvBlob(opts.csv())); });
    return u;
  }
  function exportPng(id) {
    var c = charts.filter(function (x) { return x.id === id; })[0];
    var legend = c.u.series.slice(1).map(function (s, i) { return [s.label, c.meta.single ? colour(c.meta.single) : colour(i)]; });
    pngOf(c.meta.title, c.u.ctx.canvas, c.meta.single != null ? [] : legend, function (blob) { download(id + '.png', blob); });
  }
  function seriesCsv(name, pick) {
    return function () {
      var out = ['machine,time_s,' + name];
      M.forEach(function (m) { var s = pick(m); for (var i = 0; i < s.x.length; i++) out.push(m.id + ',' + (s.x[i] / 1000) + ',' + s.y[i]); });
      return out;
    };
  }
  // 1. Lamport clock vs system time
  safely('lamport', function () {
    lineChart('chart-lamport', 'Lamport clock vs system time', 'Lamport clock', M.map(function (m) { return [secs(m.lamport.x), m.lamport.y]; }), {
      csv: seriesCsv('lamport', function (m) { return m.lamport; }),
    });
  });

  // 2. Jump sizes over time (dots)
  safely('jumps', function () {
    lineChart('chart-jumps', 'Lamport jump on each receive', 'jump (ticks)', M.map(function (m) { return [secs(m.jumps.x), m.jumps.y]; }), {
      series: function (s, i) { s.paths = function () { return null; }; s.points = { show: true, size: 5, fill: colour(i), stroke: colour(i) }; },
      csv: seriesCsv('jump', function (m) { return m.jumps; }), pad: 1,
    });
  });

  // 3. Jump histograms, one per machine (exact counts; bins start at 1: a receive always advances the clock)
  var hists = document.getElementById('histograms');
  M.forEach(function (m, i) {
    safely('hist-' + m.id, function () {
      var id = 'hist-' + m.id, h = m.jumpHist, size = h.binSize;
      var fig = el('figure', { 'class': 'hist-fig' });
      var box = el('div', { id: id, 'class': 'hist', 'data-testid': 'chart-' + id });
      fig.appendChild(box); hists.appendChild(fig);
      var bx = [], by = [], top = 1;
      for (var k = 0; k < h.counts.length; k++) { bx.push(1 + k * size); by.push(h.counts[k]); if (h.counts[k] > top) top = h.counts[k]; }
      var title = label(m) + ': jump sizes (' + m.receives + ' receives)';
      var u = new uPlot({
        title: title, width: 320, height: 210,
        scales: { x: { time: false, range: function () { return [1 - size * 0.6, 1 + (h.counts.length - 1) * size + size * 0.6]; } },
                  y: { range: function () { return [0, Math.ceil(top * 1.1) || 1]; } } },
        axes: [{ label: size === 1 ? 'jump' : 'jump (bins of ' + size + ')', incrs: intIncrs }, { label: 'receives', size: 56, incrs: intIncrs }],
        legend: { show: false },
        series: [{}, { label: label(m), fill: withAlpha(colour(i), 0.6), stroke: colour(i), paths: uPlot.paths.bars({ size: [0.8, 40], align: 0 }) }],
      }, [bx, by], box);
      register(id, u, { title: title, single: i });
      toolbar(box, id, function () { exportPng(id); }, function () {
        var out = ['jump_from,jump_to,receives'];
        for (var q = 0; q < h.counts.length; q++) out.push((1 + q * size) + ',' + (q * size + size) + ',' + h.counts[q]);
        download(id + '.csv', csvBlob(out));
      });
    });
  });

  // 4. Queue length over time
  safely('queue', function () {
    lineChart('chart-queue', 'Network queue length', 'messages waiting', M.map(function (m) { return [secs(m.queue.x), m.queue.y]; }), {
      series: function (s) { s.paths = uPlot.paths.stepped({ align: 1 }); },
      csv: seriesCsv('queue_len', function (m) { return m.queue; }),
    });
  });

  // 5. Space-time diagram
  safely('diagram', function () {
    var G = D.diagram;
    var data = { lanes: G.lanes, messages: G.messages, undelivered: G.undelivered, eventNames: D.eventNames, kindNames: D.kindNames,
      layout: D.layout, machines: M, t0: D.t0, faults: D.info.faults };
    var d = window.LamportSpaceTime.create({
      canvas: document.getElementById('diagram'), tip: document.getElementById('diagram-tip'), info: document.getElementById('row-info'),
      data: data, machineColour: colour, kindColour: kindColour, stubColour: STUB, faultColour: faultColour,
      onSelect: function (s) {
        document.getElementById('causal-info').textContent = s ? 'm' + s.machine + ' row ' + (s.row + 1) + ': ' + s.past + ' events in its causal past (blue), ' + s.future + ' in its future (orange)' : '';
      },
    });
    // legend: machines, kinds, stubs, faults
    var leg = document.getElementById('diagram-legend');
    function item(text, c, cls) { var s = el('span', { 'class': 'key ' + (cls || '') }); var sw = el('i'); sw.style.background = c; s.appendChild(sw); s.appendChild(document.createTextNode(text)); leg.appendChild(s); }
    M.forEach(function (m, i) { item(label(m), colour(i)); });
    if (D.kindNames.length > 1) D.kindNames.forEach(function (k, i) { item(k, kindColour(i), 'kind'); });
    item('never received', STUB, 'stub');
    ['kill', 'pause', 'partition'].forEach(function (k) { if (D.info.faults.some(function (f) { return f.kind === k; })) item(k, faultColour(k, 0.35), 'fault'); });
    var axisSel = document.getElementById('diagram-axis');
    axisSel.addEventListener('change', function () { d.setMode(axisSel.value); });
    document.getElementById('diagram-fit').addEventListener('click', function () { d.fit(); });
    document.getElementById('diagram-window').addEventListener('click', function () {
      var v = d.stats.view, per = d.stats.events / Math.max(N, 1);
      d.setView(v[0], v[0] + (v[1] - v[0]) * Math.min(1, 200 / Math.max(per, 1)));
    });
    var fm = document.getElementById('filter-machine'), fe = document.getElementById('filter-event'), fi = document.getElementById('filter-msg');
    M.forEach(function (m, i) { fm.appendChild(el('option', { value: String(i) }, 'm' + m.id)); });
    D.eventNames.forEach(function (e, i) { fe.appendChild(el('option', { value: String(i) }, e)); });
    var count = document.getElementById('filter-count');
    function apply() {
      var n = d.setFilter({ machine: Number(fm.value), event: Number(fe.value), msgId: fi.value.trim() });
      count.textContent = (Number(fm.value) >= 0 || Number(fe.value) >= 0 || fi.value.trim()) ? n + ' matching event(s), in red' : '';
    }
    fm.addEventListener('change', apply); fe.addEventListener('change', apply); fi.addEventListener('input', apply);
    document.getElementById('filter-next').addEventListener('click', function () { d.nextMatch(); });
    document.getElementById('filter-clear').addEventListener('click', function () { fm.value = '-1'; fe.value = '-1'; fi.value = ''; apply(); d.select(null); document.getElementById('causal-info').textContent = ''; });
    toolbar(document.getElementById('diagram-wrap'), 'spacetime', function () {
      pngOf('Space-time diagram', d.canvas, [], function (blob) { download('spacetime.png', blob); });
    }, function () { download('spacetime.csv', new Blob([d.csv()], { type: 'text/csv' })); });
    window.__diagram = d;
    ready.diagram = d.stats;
  });

  // charts follow the page's width, and the paper's when printing
  function resizeAll() {
    charts.forEach(function (c) {
      var box = document.getElementById(c.id);
      if (c.meta.single != null) return;
      var w = width(box.parentNode);
      if (Math.abs(w - c.u.width) > 2) c.u.setSize({ width: w, height: c.u.height });
    });
    if (window.__diagram) window.__diagram.resize();
  }
  var pending = 0;
  function schedule() { if (!pending) pending = requestAnimationFrame(function () { pending = 0; resizeAll(); }); }
  if (window.ResizeObserver) new ResizeObserver(schedule).observe(document.body);
  window.addEventListener('resize', schedule);
  window.addEventListener('beforeprint', resizeAll);
  window.addEventListener('afterprint', resizeAll);
  ready.resize = resizeAll;

  window.__charts = charts;
  window.__reportReady = ready;
  document.body.setAttribute('data-ready', ready.errors.length ? 'error' : 'yes');
})();
`;
