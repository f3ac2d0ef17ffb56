#!/usr/bin/env node
// CPU per TCP connection in one process: `node bench/connection-cost.mjs ours|bare [n]` makes n
// endpoints on loopback ports 27001.. form a full mesh, either lamport-lab's TcpTransport
// (challenge/hello/welcome handshake, one connection per pair carrying both directions, as machines
// use it; needs `npm run build`: n·(n−1)/2 connections) or bare sockets, one per direction
// exchanging one line each way (n·(n−1) connections), and prints the CPU used per connection and
// per directed link (the unit both modes share). A reference
// for the start-up figures in the README's Performance section.
import { TcpTransport } from '../dist/runtime/net/tcpTransport.js';
import net from 'node:net';
const mode = process.argv[2] === 'bare' ? 'bare' : 'ours';
const n = Number(process.argv[3] ?? 30);
const base = 27000;
const machines = Array.from({ length: n }, (_, i) => ({ id: i + 1, host: '127.0.0.1', port: base + i + 1 }));
let up = 0; const need = n * (n - 1) * 2;
let resolveAll; const all = new Promise((r) => (resolveAll = r));
const onUp = () => { if (++up === need) resolveAll(); };
const ts = [];
if (mode === 'ours') {
  // as under start-all: every machine starts together, so none knocks on its later peers
  for (const m of machines) ts.push(new TcpTransport({ self: m.id, machines, notRunningYet: new Set(machines.filter((p) => p.id > m.id).map((p) => p.id)), handlers: { onMessage() {}, onPeerUp: onUp, onPeerDown() {}, onProblem(d) { console.error(`problem: ${d}`); } } }));
  await Promise.all(ts.map((t) => t.listen()));
} else {
  for (const m of machines) {
    const srv = net.createServer((s) => { let b = ''; s.on('data', (d) => { b += d; if (!s.peer && b.includes('\n')) { s.peer = 1; s.write('ok\n'); onUp(); } }); });
    await new Promise((r) => srv.listen(m.port, '127.0.0.1', r));
    ts.push({ connectAll() { for (const p of machines) if (p.id !== m.id) { const s = net.connect(p.port, '127.0.0.1'); s.on('connect', () => s.write(m.id + '\n')); s.once('data', onUp); } } });
  }
}
const c0 = process.cpuUsage(); const t0 = performance.now();
for (const t of ts) t.connectAll();
await all;
const c = process.cpuUsage(c0); const links = n * (n - 1); const conns = mode === 'ours' ? links / 2 : links;
const cpu = c.user + c.system;
console.log(`${mode} n=${n}: ${conns} connections in ${Math.round(performance.now() - t0)} ms, CPU ${(cpu / 1000).toFixed(0)} ms = ${(cpu / conns).toFixed(0)} µs per connection, ${(cpu / links).toFixed(0)} µs per directed link`);
process.exit(0);
