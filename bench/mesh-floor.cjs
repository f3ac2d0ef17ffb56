#!/usr/bin/env node
// The floor under start-all's 100-machine figure: `node bench/mesh-floor.cjs [n]` forks n bare Node
// processes that do nothing but what every machine must: listen on a loopback port, then (once all
// listen) open one TCP connection to every other process and exchange one line each way. No
// lamport-lab code, no logs, no handshake frames. It prints when all listen and when the full mesh
// (n·(n−1) connections) is up, and the CPU every process used. Compare with start-all's figures.
// `--pairs` opens one connection per pair instead (the lower id dials, both directions on it:
// n·(n−1)/2 connections), to measure what carrying both directions on one connection could save.
'use strict';
const { fork } = require('node:child_process');
const net = require('node:net');

if (process.argv[2] === 'child') {
  const [id, n, base, pairs] = process.argv.slice(3).map(Number);
  let out = 0;
  const seen = new Set();
  const check = () => {
    if (out === n - 1 && seen.size === n - 1) process.send({ t: 'ready', cpu: process.cpuUsage() });
  };
  const server = net.createServer((s) => {
    let buf = '';
    s.on('error', () => {});
    s.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0 && !s.peer) {
        s.peer = Number(buf.slice(0, nl));
        seen.add(s.peer);
        if (pairs) out++; // the same connection carries our direction too
        s.write('ok\n');
        check();
      }
    });
  });
  server.listen(base + id, '127.0.0.1', () => process.send({ t: 'listening' }));
  process.on('message', (m) => {
    if (m === 'stop') process.exit(0);
    if (m !== 'go') return;
    for (let j = pairs ? id + 1 : 1; j <= n; j++) {
      if (j === id) continue;
      const s = net.connect(base + j, '127.0.0.1');
      s.on('error', (e) => process.send({ t: 'error', code: e.code }));
      s.on('connect', () => s.write(`${id}\n`));
      s.once('data', () => {
        out++;
        if (pairs) seen.add(j);
        check();
      });
    }
  });
} else {
  const args = process.argv.slice(2).filter((a) => a !== '--pairs');
  const pairs = process.argv.includes('--pairs') ? 1 : 0;
  const n = Number(args[0] ?? 100);
  const base = Number(args[1] ?? 26000);
  const t0 = performance.now();
  const kids = [];
  let listening = 0;
  let ready = 0;
  let cpuMs = 0;
  let listenedAt = 0;
  for (let i = 1; i <= n; i++) {
    const k = fork(__filename, ['child', String(i), String(n), String(base), String(pairs)], { env: { PATH: process.env.PATH ?? '' } });
    kids.push(k);
    k.on('message', (m) => {
      if (m.t === 'error') {
        console.error(`mesh-floor: a connection failed (${m.code}); are ports ${base + 1}..${base + n} free?`);
        for (const c of kids) c.kill();
        process.exitCode = 1;
      }
      if (m.t === 'listening' && ++listening === n) {
        listenedAt = performance.now() - t0;
        for (const c of kids) c.send('go');
      }
      if (m.t === 'ready') {
        cpuMs += (m.cpu.user + m.cpu.system) / 1000;
        if (++ready === n) {
          const all = performance.now() - t0;
          console.log(
            `mesh-floor: ${n} bare node processes listening after ${Math.round(listenedAt)} ms, ` +
              `full mesh (${pairs ? (n * (n - 1)) / 2 + ' connections, one per pair' : n * (n - 1) + ' connections'}) after ${Math.round(all)} ms; ` +
              `children's CPU ${(cpuMs / 1000).toFixed(1)} s (${Math.round(cpuMs / n)} ms each)`,
          );
          for (const c of kids) c.send('stop');
        }
      }
    });
  }
}
