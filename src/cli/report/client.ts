/**
 * The report page's own script (plain browser JS, shipped inline as a string). It reads the JSON
 * data block, draws the uPlot charts and the canvas space-time diagram, and publishes
 * `window.__reportReady = { charts: [{ id, series }], messages, diagram }` for browser tests.
 */
export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var M = D.machines;
  var N = M.length;
  var EV = D.eventNames;
  var RECV = EV.indexOf('RECEIVE');
  var SEND = EV.indexOf('SEND');
  var ready = { charts: [], messages: D.messages.length / 4, undelivered: D.undelivered.length / 3, diagram: null, errors: [] };

  function colour(i, alpha) {
    var h = Math.round((i * 360 / Math.max(N, 1) + (i % 2) * 180 / Math.max(N, 1)) % 360);
    return 'hsla(' + h + ',70%,' + (i % 3 === 1 ? 35 : 45) + '%,' + (alpha == null ? 1 : alpha) + ')';
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function iso(ms) { return new Date(D.t0 + ms).toISOString(); }
  // x values in seconds, made strictly increasing per machine (rows in the same ms get µs offsets)
  function xsOf(t) {
    var xs = new Array(t.length), prev = -Infinity;
    for (var i = 0; i < t.length; i++) { var x = t[i] / 1000; if (x <= prev) x = prev + 1e-6; xs[i] = x; prev = x; }
    return xs;
  }
  var XS = M.map(function (m) { return xsOf(m.t); });
  function width(id) { var c = document.getElementById(id); return Math.max(320, (c && c.clientWidth) || 900); }

  function register(id, u) { ready.charts.push({ id: id, series: u.series.length - 1 }); }

  function lineChart(id, title, ylabel, tables, opts) {
    var data = uPlot.join(tables);
    var series = [{ label: 'time (s)', value: function (u, v) { return v == null ? '-' : v.toFixed(3); } }];
    M.forEach(function (m, i) {
      var s = { label: 'm' + m.id, stroke: colour(i), width: 1.5, spanGaps: true, points: { show: false } };
      if (opts && opts.series) opts.series(s, i, data);
      series.push(s);
    });
    var u = new uPlot({
      title: title, width: width(id), height: 300,
      scales: { x: { time: false } },
      axes: [{ label: 'system time (s since start)' }, { label: ylabel }],
      series: series,
    }, data, document.getElementById(id));
    register(id, u);
    return u;
  }

  function safely(name, fn) {
    try { fn(); } catch (e) { ready.errors.push(name + ': ' + (e && e.message || e)); console.error(e); }
  }

  // 1. Lamport clock vs system time, receives marked
  safely('lamport', function () {
    var tables = M.map(function (m, i) { return [XS[i], m.lamport]; });
    lineChart('chart-lamport', 'Lamport clock vs system time (dots: receives)', 'Lamport clock', tables, {
      series: function (s, i, data) {
        // indices (in the joined data) of this machine's RECEIVE rows
        var xs = data[0], m = M[i], want = [], k = 0;
        for (var r = 0; r < m.ev.length; r++) if (m.ev[r] === RECV) want.push(XS[i][r]);
        var idx = [];
        for (var j = 0; j < want.length; j++) { while (k < xs.length && xs[k] < want[j]) k++; if (k < xs.length) idx.push(k); }
        s.points = { show: true, size: 5, fill: colour(i), filter: function () { return idx; } };
      },
    });
  });

  // 2. Jump sizes over time (one series of dots per machine)
  var JUMPS = M.map(function (m, i) {
    var x = [], y = [];
    for (var r = 0; r < m.ev.length; r++) if (m.ev[r] === RECV) { x.push(XS[i][r]); y.push(m.lamport[r] - (r > 0 ? m.lamport[r - 1] : 0)); }
    return [x, y];
  });
  safely('jumps', function () {
    lineChart('chart-jumps', 'Lamport jump on each receive', 'jump = L(receive) − L(previous row)', JUMPS, {
      series: function (s, i) { s.paths = function () { return null; }; s.points = { show: true, size: 5, fill: colour(i) }; },
    });
  });

  // 3. Jump histograms, one per machine
  var hists = document.getElementById('histograms');
  M.forEach(function (m, i) {
    safely('hist-' + m.id, function () {
      var id = 'hist-' + m.id;
      var box = el('div', { id: id, 'class': 'hist', 'data-testid': 'chart-' + id });
      hists.appendChild(box);
      var ys = JUMPS[i][1], max = 0;
      for (var k = 0; k < ys.length; k++) if (ys[k] > max) max = ys[k];
      var bins = Math.max(1, Math.min(40, max)), size = Math.max(1, Math.ceil(max / bins));
      var bx = [], by = [];
      for (var b = 0; b <= bins; b++) { bx.push(b * size); by.push(0); }
      for (k = 0; k < ys.length; k++) by[Math.min(bins, Math.floor(ys[k] / size))]++;
      var u = new uPlot({
        title: 'm' + m.id + ': jump sizes (' + ys.length + ' receives)', width: 300, height: 200,
        scales: { x: { time: false } },
        axes: [{ label: 'jump' }, { label: 'receives' }],
        legend: { show: false },
        series: [{}, { label: 'm' + m.id, fill: colour(i, 0.6), stroke: colour(i), paths: uPlot.paths.bars({ size: [0.8, 40] }) }],
      }, [bx, by], box);
      register(id, u);
    });
  });

  // 4. Queue length over time
  safely('queue', function () {
    var tables = M.map(function (m, i) { return [XS[i], m.queue]; });
    lineChart('chart-queue', 'Network queue length', 'messages waiting', tables, {
      series: function (s) { s.paths = uPlot.paths.stepped({ align: 1 }); },
    });
  });

  // 5. Space-time diagram on a canvas: lanes = machines, x = Lamport clock or system time
  safely('diagram', function () { diagram(); });

  function diagram() {
    var canvas = document.getElementById('diagram');
    var tip = document.getElementById('diagram-tip');
    var info = document.getElementById('row-info');
    var axisSel = document.getElementById('diagram-axis');
    var ctx = canvas.getContext('2d');
    var dpr = window.devicePixelRatio || 1;
    var LANE = Math.max(18, Math.min(60, 480 / Math.max(N, 1)));
    var PADL = 60, PADR = 20, PADT = 24;
    var cssW = canvas.clientWidth || 1000, cssH = PADT + LANE * N + 20;
    canvas.style.height = cssH + 'px';
    canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr);
    var mode = 'lamport';
    function X(m, r) { return mode === 'lamport' ? M[m].lamport[r] : XS[m][r]; }
    var lo = Infinity, hi = -Infinity;
    function fit() {
      lo = Infinity; hi = -Infinity;
      for (var m = 0; m < N; m++) { var n = M[m].t.length; if (n) { lo = Math.min(lo, X(m, 0)); hi = Math.max(hi, X(m, n - 1)); } }
      if (!(hi > lo)) { hi = lo + 1; }
      var pad = (hi - lo) * 0.02; lo -= pad; hi += pad;
      view0 = lo; view1 = hi;
    }
    var view0 = 0, view1 = 1;
    function px(x) { return PADL + (x - view0) / (view1 - view0) * (cssW - PADL - PADR); }
    function laneY(m) { return PADT + LANE * m + LANE / 2; }
    // first row index with X >= x (X is non-decreasing per machine)
    function lowerBound(m, x) {
      var a = 0, b = M[m].t.length;
      while (a < b) { var c = (a + b) >> 1; if (X(m, c) < x) a = c + 1; else b = c; }
      return a;
    }
    var stats = { lanes: N, events: 0, messages: ready.messages, drawnEvents: 0, drawnMessages: 0, mode: mode };
    for (var m0 = 0; m0 < N; m0++) stats.events += M[m0].t.length;
    function draw() {
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, cssW, cssH);
      ctx.font = '12px sans-serif';
      ctx.textBaseline = 'middle';
      var drawnEvents = 0, drawnMessages = 0;
      for (var m = 0; m < N; m++) {
        var y = laneY(m);
        ctx.strokeStyle = '#ccc'; ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(PADL, y); ctx.lineTo(cssW - PADR, y); ctx.stroke();
        ctx.fillStyle = colour(m); ctx.fillText('m' + M[m].id, 6, y);
      }
      // message arrows (culled to the view)
      var msg = D.messages;
      ctx.lineWidth = 1;
      for (var k = 0; k < msg.length; k += 4) {
        var a = msg[k], ar = msg[k + 1], b = msg[k + 2], br = msg[k + 3];
        var xa = X(a, ar), xb = X(b, br);
        if ((xa < view0 && xb < view0) || (xa > view1 && xb > view1)) continue;
        var x1 = px(xa), y1 = laneY(a), x2 = px(xb), y2 = laneY(b);
        ctx.strokeStyle = colour(a, 0.55);
        ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
        var ang = Math.atan2(y2 - y1, x2 - x1), h = 6;
        ctx.fillStyle = colour(a, 0.8);
        ctx.beginPath(); ctx.moveTo(x2, y2);
        ctx.lineTo(x2 - h * Math.cos(ang - 0.4), y2 - h * Math.sin(ang - 0.4));
        ctx.lineTo(x2 - h * Math.cos(ang + 0.4), y2 - h * Math.sin(ang + 0.4));
        ctx.closePath(); ctx.fill();
        drawnMessages++;
      }
      // undelivered copies: a short red stub from the send
      var und = D.undelivered;
      ctx.strokeStyle = 'rgba(200,0,0,0.8)';
      for (k = 0; k < und.length; k += 3) {
        var ux = X(und[k], und[k + 1]);
        if (ux < view0 || ux > view1) continue;
        var sx = px(ux), sy = laneY(und[k]);
        ctx.beginPath(); ctx.moveTo(sx, sy); ctx.lineTo(sx + 10, sy + (LANE / 3)); ctx.stroke();
      }
      // events as dots
      for (m = 0; m < N; m++) {
        var mm = M[m], i0 = lowerBound(m, view0), i1 = lowerBound(m, view1 + 1e-9);
        var yy = laneY(m), step = Math.max(1, Math.floor((i1 - i0) / (cssW * 4)));
        for (var r = i0; r < i1; r += step) {
          var e = mm.ev[r];
          ctx.fillStyle = e === RECV ? '#000' : e === SEND ? colour(m) : (EV[e] === 'INTERNAL' ? '#888' : '#c60');
          ctx.fillRect(px(X(m, r)) - 2, yy - 2, 4, 4);
          drawnEvents++;
        }
      }
      // axis labels
      ctx.fillStyle = '#333';
      ctx.fillText((mode === 'lamport' ? 'L=' : 't=') + fmt(view0), PADL, 10);
      var right = (mode === 'lamport' ? 'L=' : 't=') + fmt(view1);
      ctx.fillText(right, cssW - PADR - ctx.measureText(right).width, 10);
      stats.drawnEvents = drawnEvents; stats.drawnMessages = drawnMessages; stats.mode = mode;
      stats.view = [view0, view1];
    }
    function fmt(v) { return mode === 'lamport' ? String(Math.round(v)) : v.toFixed(3) + 's'; }
    function hit(ev) {
      var rect = canvas.getBoundingClientRect();
      var cx = ev.clientX - rect.left, cy = ev.clientY - rect.top;
      var m = Math.floor((cy - PADT) / LANE);
      if (m < 0 || m >= N) return null;
      var x = view0 + (cx - PADL) / (cssW - PADL - PADR) * (view1 - view0);
      var i = lowerBound(m, x), best = -1, bd = 7;
      for (var r = Math.max(0, i - 2); r < Math.min(M[m].t.length, i + 2); r++) {
        var d = Math.abs(px(X(m, r)) - cx);
        if (d < bd) { bd = d; best = r; }
      }
      return best < 0 ? null : { m: m, r: best, cx: cx, cy: cy };
    }
    function describe(h) {
      var mm = M[h.m], r = h.r;
      return mm.file + ':' + mm.line[r] + '\n' + EV[mm.ev[r]] + ' on m' + mm.id +
        '\ntime ' + iso(mm.t[r]) + '\nlamport ' + mm.lamport[r] + '\nvector ' + mm.vector[r] +
        (mm.msgId[r] ? '\nmsg_id ' + mm.msgId[r] : '') + (mm.peer[r] ? '\npeer ' + mm.peer[r] : '') +
        '\nqueue ' + mm.queue[r];
    }
    var drag = null;
    canvas.addEventListener('mousemove', function (ev) {
      if (drag) {
        var dx = (ev.clientX - drag.x) / (cssW - PADL - PADR) * (drag.v1 - drag.v0);
        view0 = drag.v0 - dx; view1 = drag.v1 - dx; draw(); return;
      }
      var h = hit(ev);
      if (!h) { tip.style.display = 'none'; return; }
      tip.textContent = describe(h);
      tip.style.display = 'block';
      tip.style.left = (h.cx + 14) + 'px'; tip.style.top = (h.cy + 14) + 'px';
    });
    canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; drag = null; });
    canvas.addEventListener('mousedown', function (ev) { drag = { x: ev.clientX, v0: view0, v1: view1, moved: false, sx: ev.clientX }; });
    canvas.addEventListener('mouseup', function (ev) {
      var click = drag && Math.abs(ev.clientX - drag.sx) < 3;
      drag = null;
      if (click) { var h = hit(ev); if (h) info.textContent = describe(h); }
    });
    canvas.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var rect = canvas.getBoundingClientRect();
      var x = view0 + (ev.clientX - rect.left - PADL) / (cssW - PADL - PADR) * (view1 - view0);
      var f = ev.deltaY > 0 ? 1.25 : 0.8;
      view0 = x - (x - view0) * f; view1 = x + (view1 - x) * f;
      if (view1 - view0 < 1e-6) view1 = view0 + 1e-6;
      draw();
    }, { passive: false });
    document.getElementById('diagram-fit').addEventListener('click', function () { fit(); draw(); });
    document.getElementById('diagram-window').addEventListener('click', function () {
      // a window of about 200 events per lane from the current left edge
      var total = stats.events / Math.max(N, 1);
      view1 = view0 + (view1 - view0) * Math.min(1, 200 / Math.max(total, 1)); draw();
    });
    axisSel.addEventListener('change', function () { mode = axisSel.value; fit(); draw(); });
    fit();
    draw();
    window.__diagram = { setView: function (a, b) { view0 = a; view1 = b; draw(); }, stats: stats, fit: function () { fit(); draw(); } };
    ready.diagram = stats;
  }

  window.__reportReady = ready;
  document.body.setAttribute('data-ready', ready.errors.length ? 'error' : 'yes');
})();
`;
