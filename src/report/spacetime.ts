/**
 * The space-time diagram (plain browser JS, shipped inline as a string): one lane per machine,
 * events as dots, messages as arrows coloured by kind, undelivered copies as stubs, fault windows
 * as bands; wheel to zoom, drag to pan, hover/click for the row, search and filter, and the causal
 * past and future of a clicked event (from the vector clocks). Reusable: it only needs a canvas,
 * the report's `diagram` data and a few options, and defines `window.LamportSpaceTime.create`.
 *
 * Invariant: a redraw costs O(events + messages in view) with at most a few thousand canvas path
 * operations: when more events or messages are in view than there are pixels, they are
 * aggregated per pixel column (what cannot be seen is not drawn one by one).
 */
export const SPACETIME_JS = String.raw`
(function () {
  'use strict';
  /**
   * opts: { canvas, tip, info, data (ReportData.diagram + eventNames, kindNames, layout, machines,
   *   t0, faults), machineColour(i), kindColour(k), stubColour, faultColour(kind), onSelect }
   */
  function create(opts) {
    var canvas = opts.canvas, tip = opts.tip, info = opts.info;
    var G = opts.data, L = G.lanes, N = L.length, EV = G.eventNames;
    var RECV = EV.indexOf('RECEIVE'), SEND = EV.indexOf('SEND'), INTERNAL = EV.indexOf('INTERNAL');
    var ctx = canvas.getContext('2d');
    var LANE = Math.max(18, Math.min(60, 480 / Math.max(N, 1)));
    var PADL = 56, PADR = 16, PADT = 22, PADB = 34;
    var cssW = 1000, cssH = PADT + LANE * N + PADB, dpr = 1;
    var mode = 'lamport';
    var view0 = 0, view1 = 1;
    // x per mode, per lane (seconds for time; Lamport otherwise); strictly usable for binary search
    var XL = L.map(function (l) { return Float64Array.from(l.lamport); });
    var XT = L.map(function (l) { var a = new Float64Array(l.t.length); for (var i = 0; i < a.length; i++) a[i] = l.t[i] / 1000; return a; });
    function XA() { return mode === 'lamport' ? XL : XT; }
    var MSG = G.messages, NM = MSG.length / 5, UND = G.undelivered;
    var stats = { lanes: N, events: 0, messages: NM, undelivered: UND.length / 4, drawnEvents: 0, drawnMessages: 0,
      aggregated: false, mode: mode, view: [0, 1], lastDrawMs: 0, matches: 0, selected: null, faultBands: 0, ticks: [] };
    for (var m0 = 0; m0 < N; m0++) stats.events += L[m0].t.length;
    var filter = null;   // { machine: idx|-1, event: idx|-1, msgId: string } → match masks
    var masks = null;
    var causal = null;   // { m, r, past: [Uint8Array], future: [Uint8Array] }
    var layoutIndex = {};
    G.layout.forEach(function (id, j) { layoutIndex[id] = j; });
    var laneLayout = G.machines.map(function (mm) { return layoutIndex[mm.id]; });

    function resize() {
      dpr = window.devicePixelRatio || 1;
      cssW = Math.max(320, canvas.parentNode.clientWidth || 1000);
      canvas.style.width = cssW + 'px';
      canvas.style.height = cssH + 'px';
      canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr);
    }
    function plotW() { return cssW - PADL - PADR; }
    function px(x) { return PADL + (x - view0) / (view1 - view0) * plotW(); }
    function laneY(m) { return PADT + LANE * m + LANE / 2; }
    function lowerBound(arr, x) { var a = 0, b = arr.length; while (a < b) { var c = (a + b) >> 1; if (arr[c] < x) a = c + 1; else b = c; } return a; }
    function fit() {
      var lo = Infinity, hi = -Infinity, X = XA();
      for (var m = 0; m < N; m++) { var n = X[m].length; if (n) { lo = Math.min(lo, X[m][0]); hi = Math.max(hi, X[m][n - 1]); } }
      if (lo === Infinity) { lo = 0; hi = 1; }
      if (!(hi > lo)) hi = lo + 1;
      var pad = (hi - lo) * 0.02;
      view0 = lo >= 0 ? Math.max(0, lo - pad) : lo - pad; view1 = hi + pad;
    }
    // nice ticks over [a, b]; integers only in Lamport mode
    function ticks(a, b, target) {
      var span = b - a, raw = span / Math.max(1, target), p = Math.pow(10, Math.floor(Math.log10(raw)));
      var step = [1, 2, 5, 10].map(function (k) { return k * p; }).filter(function (s) { return s >= raw; })[0] || 10 * p;
      if (mode === 'lamport') step = Math.max(1, Math.round(step));
      var out = [], v = Math.ceil(a / step) * step;
      for (; v <= b + 1e-9 && out.length < 200; v += step) if (v >= 0) out.push(v);
      return { values: out, step: step };
    }
    function fmtTick(v, step) {
      if (mode === 'lamport') return String(Math.round(v));
      var d = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step)));
      return v.toFixed(d) + ' s';
    }
    // x position of time t (ms since t0) on lane m in the current mode
    function xAtTime(m, tMs) {
      if (mode === 'time') return tMs / 1000;
      var l = L[m]; if (!l.t.length) return null;
      var i = lowerBound(l.t, tMs);
      if (i >= l.t.length) return l.lamport[l.t.length - 1] + 0.5;
      return i > 0 ? l.lamport[i - 1] + 0.5 : l.lamport[0];
    }
    function faultBands() {
      var out = [], F = G.faults || [], endMs = 0;
      for (var m = 0; m < N; m++) if (L[m].t.length) endMs = Math.max(endMs, L[m].t[L[m].t.length - 1]);
      F.forEach(function (f) {
        var a = f.from - G.t0, b = f.to == null ? endMs + 1 : f.to - G.t0;
        for (var m = 0; m < N; m++) {
          if (f.machine != null && G.machines[m].id !== f.machine) continue;
          var xa = xAtTime(m, a), xb = xAtTime(m, b);
          if (xa == null || xb == null) continue;
          out.push({ m: m, x0: xa, x1: Math.max(xb, xa + (mode === 'lamport' ? 0.5 : 0)), f: f });
        }
      });
      return out;
    }
    function styleOf(e) { return e === RECV ? 0 : e === SEND ? 1 : e === INTERNAL ? 2 : 3; }
    var EVFILL = ['#000', null, '#888', '#c60'];

    function draw() {
      var t0 = performance.now();
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, cssW, cssH);
      ctx.font = '12px sans-serif'; ctx.textBaseline = 'middle';
      var X = XA(), W = plotW(), scale = W / (view1 - view0), COLS = Math.ceil(W) + 1;
      var yBottom = PADT + LANE * N;
      // fault bands (under everything)
      var bands = faultBands(), nb = 0;
      bands.forEach(function (b) {
        var x0 = Math.max(PADL, px(b.x0)), x1 = Math.min(cssW - PADR, px(b.x1));
        if (x1 < PADL || x0 > cssW - PADR) return;
        ctx.fillStyle = opts.faultColour(b.f.kind, 0.18);
        ctx.fillRect(x0, laneY(b.m) - LANE / 2 + 1, Math.max(2, x1 - x0), LANE - 2);
        ctx.fillStyle = opts.faultColour(b.f.kind, 1);
        ctx.font = '10px sans-serif';
        ctx.fillText(b.f.kind, x0 + 2, laneY(b.m) - LANE / 2 + 7);
        ctx.font = '12px sans-serif';
        nb++;
      });
      stats.faultBands = nb;
      // lanes, labels, axis ticks
      var tk = ticks(view0, view1, Math.max(2, Math.floor(W / 90)));
      stats.ticks = tk.values.map(function (v) { return fmtTick(v, tk.step); });
      ctx.strokeStyle = '#eee'; ctx.lineWidth = 1; ctx.beginPath();
      tk.values.forEach(function (v) { var x = Math.round(px(v)) + 0.5; ctx.moveTo(x, PADT); ctx.lineTo(x, yBottom); });
      ctx.stroke();
      ctx.fillStyle = '#333'; ctx.textAlign = 'center';
      tk.values.forEach(function (v) { ctx.fillText(fmtTick(v, tk.step), px(v), yBottom + 10); });
      ctx.fillText(mode === 'lamport' ? 'Lamport clock' : 'system time (s since the first row)', PADL + W / 2, yBottom + 25);
      ctx.textAlign = 'left';
      for (var m = 0; m < N; m++) {
        var y = laneY(m);
        ctx.strokeStyle = '#ccc'; ctx.beginPath(); ctx.moveTo(PADL, y); ctx.lineTo(cssW - PADR, y); ctx.stroke();
        ctx.fillStyle = opts.machineColour(m); ctx.fillText('m' + G.machines[m].id, 6, y);
      }
      ctx.save(); ctx.beginPath(); ctx.rect(PADL - 3, 0, W + 6, cssH); ctx.clip();
      // messages: count what is in view first
      var vis = 0, k, a, b, xa, xb;
      for (k = 0; k < MSG.length; k += 5) {
        xa = X[MSG[k]][MSG[k + 1]]; xb = X[MSG[k + 2]][MSG[k + 3]];
        if (!((xa < view0 && xb < view0) || (xa > view1 && xb > view1))) vis++;
      }
      var aggregate = vis > 4000;
      stats.aggregated = aggregate;
      var dim = !!(masks || causal);
      var drawnMessages = 0;
      if (!aggregate) {
        // one path per colour: cheap even for thousands of arrows
        var paths = {};
        for (k = 0; k < MSG.length; k += 5) {
          a = MSG[k]; b = MSG[k + 2];
          xa = X[a][MSG[k + 1]]; xb = X[b][MSG[k + 3]];
          if ((xa < view0 && xb < view0) || (xa > view1 && xb > view1)) continue;
          var hl = isHighlighted(a, MSG[k + 1], b, MSG[k + 3]);
          var key = dim && !hl ? '#ddd' : msgColour(MSG[k + 4], a);
          var p = paths[key] || (paths[key] = []);
          p.push(px(xa), laneY(a), px(xb), laneY(b));
          drawnMessages++;
        }
        var heads = drawnMessages <= 3000;
        Object.keys(paths).forEach(function (c) {
          var p = paths[c];
          ctx.strokeStyle = c; ctx.fillStyle = c; ctx.lineWidth = 1; ctx.globalAlpha = c === '#ddd' ? 1 : 0.75;
          ctx.beginPath();
          for (var i = 0; i < p.length; i += 4) { ctx.moveTo(p[i], p[i + 1]); ctx.lineTo(p[i + 2], p[i + 3]); }
          ctx.stroke();
          if (heads) {
            ctx.beginPath();
            for (i = 0; i < p.length; i += 4) {
              var ang = Math.atan2(p[i + 3] - p[i + 1], p[i + 2] - p[i]), h = 6;
              ctx.moveTo(p[i + 2], p[i + 3]);
              ctx.lineTo(p[i + 2] - h * Math.cos(ang - 0.4), p[i + 3] - h * Math.sin(ang - 0.4));
              ctx.lineTo(p[i + 2] - h * Math.cos(ang + 0.4), p[i + 3] - h * Math.sin(ang + 0.4));
              ctx.closePath();
            }
            ctx.fill();
          }
        });
        ctx.globalAlpha = 1;
      } else {
        // aggregated: one line per (sender lane, receiver lane, kind, column of the send), the
        // columns wide enough that at most ~3000 lines are drawn
        var used = new Uint8Array(N * N), pairs = 0;
        for (k = 0; k < MSG.length; k += 5) { var pk = MSG[k] * N + MSG[k + 2]; if (!used[pk]) { used[pk] = 1; pairs++; } }
        var colW = Math.max(3, Math.ceil(pairs * W / 3000));
        var COL3 = Math.ceil(COLS / colW), cells = new Map();
        for (k = 0; k < MSG.length; k += 5) {
          a = MSG[k]; b = MSG[k + 2];
          xa = X[a][MSG[k + 1]]; xb = X[b][MSG[k + 3]];
          if ((xa < view0 && xb < view0) || (xa > view1 && xb > view1)) continue;
          var col = Math.max(-1, Math.min(COL3, Math.floor((xa - view0) * scale / colW)));
          var ck = ((a * N + b) * 64 + (MSG[k + 4] + 1) % 64) * (COL3 + 2) + col + 1;
          var cell = cells.get(ck);
          if (!cell) cells.set(ck, cell = { a: a, b: b, kind: MSG[k + 4], n: 0, xa: 0, xb: 0 });
          cell.n++; cell.xa += xa; cell.xb += xb;
        }
        var byColour = {};
        cells.forEach(function (c) {
          var key = msgColour(c.kind, c.a);
          (byColour[key] || (byColour[key] = [])).push(c);
        });
        ctx.lineWidth = 1; ctx.globalAlpha = 0.5;
        Object.keys(byColour).forEach(function (colr) {
          ctx.strokeStyle = colr; ctx.beginPath();
          byColour[colr].forEach(function (c) { ctx.moveTo(px(c.xa / c.n), laneY(c.a)); ctx.lineTo(px(c.xb / c.n), laneY(c.b)); });
          ctx.stroke();
        });
        ctx.globalAlpha = 1;
        drawnMessages = vis;
      }
      // undelivered copies: a stub with a cross, in the stub colour (no machine uses it)
      ctx.strokeStyle = opts.stubColour; ctx.lineWidth = 1.5; ctx.beginPath();
      var seenCol = {};
      for (k = 0; k < UND.length; k += 4) {
        var ux = X[UND[k]][UND[k + 1]];
        if (ux < view0 || ux > view1) continue;
        var sx = px(ux), sy = laneY(UND[k]);
        var ckey = UND[k] + ':' + Math.round(sx);
        if (seenCol[ckey]) continue;
        seenCol[ckey] = 1;
        var ex = sx + 10, ey = sy + LANE / 3;
        ctx.moveTo(sx, sy); ctx.lineTo(ex, ey);
        ctx.moveTo(ex - 3, ey - 3); ctx.lineTo(ex + 3, ey + 3); ctx.moveTo(ex - 3, ey + 3); ctx.lineTo(ex + 3, ey - 3);
      }
      ctx.stroke(); ctx.lineWidth = 1;
      // events: dots when few are in view, else per-pixel-column marks
      var drawnEvents = 0;
      var hs;
      for (m = 0; m < N; m++) {
        var lane = L[m], Xm = X[m], i0 = lowerBound(Xm, view0), i1 = lowerBound(Xm, view1 + 1e-9), yy = laneY(m);
        var mk = masks && masks[m], past = causal && causal.past[m], fut = causal && causal.future[m];
        if (i1 - i0 > COLS * 2) {
          var occ = [new Uint8Array(COLS), new Uint8Array(COLS), new Uint8Array(COLS), new Uint8Array(COLS)], hit = new Uint8Array(COLS);
          for (var r = i0; r < i1; r++) {
            var c2 = Math.floor((Xm[r] - view0) * scale);
            occ[styleOf(lane.ev[r])][c2] = 1;
            if ((mk && mk[r]) || (past && past[r]) || (fut && fut[r])) hit[c2] |= (mk && mk[r] ? 1 : 0) | (past && past[r] ? 2 : 0) | (fut && fut[r] ? 4 : 0);
          }
          // runs of occupied columns become one rectangle each: one path per style
          for (var s = 3; s >= 0; s--) {
            ctx.fillStyle = dim ? '#ccc' : (EVFILL[s] || opts.machineColour(m));
            var o = occ[s], off = s === 0 ? -1 : s === 1 ? 1 : 0;
            ctx.beginPath();
            for (var c3 = 0; c3 < COLS; c3++) {
              if (!o[c3]) continue;
              var run0 = c3; while (c3 + 1 < COLS && o[c3 + 1]) c3++;
              ctx.rect(PADL + run0, yy - 3 + off * 2, c3 - run0 + 1, 4); drawnEvents += c3 - run0 + 1;
            }
            ctx.fill();
          }
          if (dim) for (hs = 1; hs <= 4; hs <<= 1) {
            ctx.fillStyle = hs === 1 ? '#e00' : hs === 2 ? '#06f' : '#f80'; ctx.beginPath();
            for (c3 = 0; c3 < COLS; c3++) if ((hit[c3] & 7) && (hit[c3] & 1 ? 1 : hit[c3] & 2 ? 2 : 4) === hs) ctx.rect(PADL + c3 - 1, yy - 5, 3, 10);
            ctx.fill();
          }
        } else {
          for (s = 3; s >= 0; s--) {
            ctx.fillStyle = dim ? '#ccc' : (EVFILL[s] || opts.machineColour(m)); ctx.beginPath();
            for (r = i0; r < i1; r++) if (styleOf(lane.ev[r]) === s) { ctx.rect(px(Xm[r]) - 2, yy - 2, 4, 4); drawnEvents++; }
            ctx.fill();
          }
          if (dim) for (hs = 1; hs <= 4; hs <<= 1) {
            ctx.fillStyle = hs === 1 ? '#e00' : hs === 2 ? '#06f' : '#f80'; ctx.beginPath();
            for (r = i0; r < i1; r++) {
              var h2 = mk && mk[r] ? 1 : past && past[r] ? 2 : fut && fut[r] ? 4 : 0;
              if (h2 === hs) ctx.rect(px(Xm[r]) - 3, yy - 3, 6, 6);
            }
            ctx.fill();
          }
        }
      }
      if (causal) {
        var cx = px(X[causal.m][causal.r]), cy = laneY(causal.m);
        ctx.strokeStyle = '#000'; ctx.lineWidth = 2; ctx.beginPath(); ctx.arc(cx, cy, 6, 0, 2 * Math.PI); ctx.stroke(); ctx.lineWidth = 1;
      }
      ctx.restore();
      stats.drawnEvents = drawnEvents; stats.drawnMessages = drawnMessages; stats.mode = mode;
      stats.view = [view0, view1];
      stats.lastDrawMs = performance.now() - t0;
      return stats.lastDrawMs;
    }
    function msgColour(kind, sender) { return kind >= 0 && G.kindNames.length > 1 ? opts.kindColour(kind) : opts.machineColour(sender); }
    function isHighlighted(a, ar, b, br) {
      if (masks && (masks[a][ar] || masks[b][br])) return true;
      if (causal && ((causal.past[a][ar] && causal.past[b][br]) || (causal.future[a][ar] && causal.future[b][br]))) return true;
      if (causal && ((a === causal.m && ar === causal.r) || (b === causal.m && br === causal.r))) return true;
      return false;
    }

    // ---- search and filter ----
    function setFilter(f) {
      filter = f && (f.machine >= 0 || f.event >= 0 || f.msgId) ? f : null;
      masks = null; stats.matches = 0;
      if (filter) {
        masks = L.map(function (l, m) {
          var out = new Uint8Array(l.t.length);
          if (filter.machine >= 0 && filter.machine !== m) return out;
          for (var r = 0; r < out.length; r++) {
            if (filter.event >= 0 && l.ev[r] !== filter.event) continue;
            if (filter.msgId && l.msgId[r] !== filter.msgId) continue;
            out[r] = 1; stats.matches++;
          }
          return out;
        });
      }
      draw();
      return stats.matches;
    }
    var matchCursor = -1;
    function nextMatch() {
      if (!masks) return null;
      var all = [];
      for (var m = 0; m < N; m++) for (var r = 0; r < masks[m].length; r++) if (masks[m][r]) all.push([XA()[m][r], m, r]);
      if (!all.length) return null;
      all.sort(function (p, q) { return p[0] - q[0]; });
      matchCursor = (matchCursor + 1) % all.length;
      var hit = all[matchCursor], half = Math.max((view1 - view0) / 2, mode === 'lamport' ? 10 : 0.5);
      if (view1 - view0 > (mode === 'lamport' ? 200 : 20)) half = mode === 'lamport' ? 50 : 5;
      view0 = hit[0] - half; view1 = hit[0] + half; draw();
      info.textContent = describe(hit[1], hit[2]);
      return { m: hit[1], r: hit[2] };
    }

    // ---- causal past and future from the vector clocks ----
    var entryCache = {};
    function entries(q, j) { // entry j of the vector of every row of lane q (cached)
      var key = q + ':' + j;
      if (entryCache[key]) return entryCache[key];
      var l = L[q], out = new Int32Array(l.vector.length);
      for (var r = 0; r < out.length; r++) {
        var s = l.vector[r], pos = 0;
        for (var c = 0; c < j; c++) pos = s.indexOf(';', pos) + 1;
        var colon = s.indexOf(':', pos), end = s.indexOf(';', colon);
        out[r] = parseInt(s.slice(colon + 1, end < 0 ? s.length : end), 10);
      }
      return entryCache[key] = out;
    }
    /**
     * Selects row r of lane m and marks its causal past (rows e with e → s: on lane q, those whose
     * own vector entry is at most s's entry for q) and future (rows that know s: their entry for
     * s's machine is at least s's own). On s's own lane, program order decides.
     */
    function select(m, r) {
      if (m == null) { causal = null; stats.selected = null; draw(); return null; }
      var js = laneLayout[m], vs = L[m].vector[r].split(';').map(function (p) { return parseInt(p.slice(p.indexOf(':') + 1), 10); });
      var past = [], future = [], np = 0, nf = 0;
      for (var q = 0; q < N; q++) {
        var l = L[q], jq = laneLayout[q], n = l.t.length, pa = new Uint8Array(n), fu = new Uint8Array(n);
        if (q === m) { for (var i = 0; i < n; i++) { if (i < r) pa[i] = 1; else if (i > r) fu[i] = 1; } np += r; nf += n - r - 1; }
        else {
          var ownQ = entries(q, jq), knows = entries(q, js);
          for (i = 0; i < n; i++) {
            if (ownQ[i] > 0 && ownQ[i] <= vs[jq]) { pa[i] = 1; np++; }
            else if (vs[js] > 0 && knows[i] >= vs[js]) { fu[i] = 1; nf++; }
          }
        }
        past.push(pa); future.push(fu);
      }
      causal = { m: m, r: r, past: past, future: future };
      stats.selected = { machine: G.machines[m].id, row: r, past: np, future: nf };
      draw();
      return stats.selected;
    }

    function describe(m, r) {
      var l = L[m], mm = G.machines[m];
      var kind = l.kind[r] >= 0 ? ' ' + G.kindNames[l.kind[r]] : '';
      return mm.file + ':' + l.line[r] + '\n' + EV[l.ev[r]] + kind + ' on m' + mm.id +
        '\ntime ' + new Date(G.t0 + l.t[r]).toISOString() + '\nlamport ' + l.lamport[r] + '\nvector ' + l.vector[r] +
        (l.msgId[r] ? '\nmsg_id ' + l.msgId[r] : '') + (l.peer[r] ? '\npeer ' + l.peer[r] : '') + '\nqueue ' + l.queue[r];
    }
    function hit(ev) {
      var rect = canvas.getBoundingClientRect();
      var cx = ev.clientX - rect.left, cy = ev.clientY - rect.top;
      var m = Math.floor((cy - PADT) / LANE);
      if (m < 0 || m >= N) return null;
      var X = XA()[m], x = view0 + (cx - PADL) / plotW() * (view1 - view0);
      var i = lowerBound(X, x), best = -1, bd = 7;
      for (var r = Math.max(0, i - 3); r < Math.min(X.length, i + 3); r++) {
        var d = Math.abs(px(X[r]) - cx);
        if (d < bd) { bd = d; best = r; }
      }
      return best < 0 ? null : { m: m, r: best, cx: cx, cy: cy };
    }
    function placeTip(h) {
      tip.textContent = describe(h.m, h.r);
      tip.style.display = 'block';
      var wrapW = canvas.parentNode.clientWidth, tw = tip.offsetWidth, th = tip.offsetHeight;
      var left = h.cx + 14; if (left + tw > wrapW - 4) left = Math.max(0, h.cx - 14 - tw);
      var top = h.cy + 14; if (top + th > cssH + 40) top = Math.max(0, h.cy - 14 - th);
      tip.style.left = left + 'px'; tip.style.top = top + 'px';
    }
    var drag = null;
    canvas.addEventListener('mousemove', function (ev) {
      if (drag) {
        var dx = (ev.clientX - drag.x) / plotW() * (drag.v1 - drag.v0);
        view0 = drag.v0 - dx; view1 = drag.v1 - dx; draw(); return;
      }
      var h = hit(ev);
      if (!h) { tip.style.display = 'none'; return; }
      placeTip(h);
    });
    canvas.addEventListener('mouseleave', function () { tip.style.display = 'none'; drag = null; });
    canvas.addEventListener('mousedown', function (ev) { drag = { x: ev.clientX, v0: view0, v1: view1, sx: ev.clientX }; });
    canvas.addEventListener('mouseup', function (ev) {
      var click = drag && Math.abs(ev.clientX - drag.sx) < 3;
      drag = null;
      if (!click) return;
      var h = hit(ev);
      if (h) { info.textContent = describe(h.m, h.r); select(h.m, h.r); if (opts.onSelect) opts.onSelect(stats.selected); }
      else { select(null); if (opts.onSelect) opts.onSelect(null); }
    });
    canvas.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var rect = canvas.getBoundingClientRect();
      var x = view0 + (ev.clientX - rect.left - PADL) / plotW() * (view1 - view0);
      var f = ev.deltaY > 0 ? 1.25 : 0.8;
      view0 = x - (x - view0) * f; view1 = x + (view1 - x) * f;
      if (view1 - view0 < 1e-6) view1 = view0 + 1e-6;
      draw();
    }, { passive: false });
    resize(); fit(); draw();
    return {
      stats: stats,
      draw: draw,
      fit: function () { fit(); return draw(); },
      setView: function (a, b) { view0 = a; view1 = b; return draw(); },
      setMode: function (m) { mode = m; fit(); draw(); },
      resize: function () { resize(); draw(); },
      setFilter: setFilter,
      nextMatch: nextMatch,
      select: select,
      describe: describe,
      canvas: canvas,
      /** The rows in view as CSV text (identifier and number cells only: no quoting needed). */
      csv: function () {
        var X = XA(), out = ['machine,file,line,event,kind,time_ms,lamport,vector,queue_len,peer,msg_id'];
        for (var m = 0; m < N; m++) {
          var l = L[m], i0 = lowerBound(X[m], view0), i1 = lowerBound(X[m], view1 + 1e-9);
          for (var r = i0; r < i1; r++) out.push([G.machines[m].id, G.machines[m].file, l.line[r], EV[l.ev[r]], l.kind[r] >= 0 ? G.kindNames[l.kind[r]] : '', l.t[r], l.lamport[r], l.vector[r], l.queue[r], l.peer[r], l.msgId[r]].join(','));
        }
        return out.join('\n') + '\n';
      },
    };
  }
  window.LamportSpaceTime = { create: create };
})();
`;
