// A stand-in for `run-machine` that speaks start-all's IPC protocol without any networking, for
// supervisor tests: booted → (go) → listening → (dial) → connected (id − 1) × 80 ms after it → (begin) →
// ready, then exits 0. Invoked as: node fakeMachine.mjs run-machine <id> ... --await-go
const id = Number(process.argv[3]);
process.send({ type: 'booted' });
process.on('message', (msg) => {
  if (msg.type === 'go') process.send({ type: 'listening', id, host: '127.0.0.1', port: 0 });
  if (msg.type === 'dial') setTimeout(() => process.send({ type: 'connected', id, peers: 2 }), (id - 1) * 80);
  if (msg.type === 'begin') process.send({ type: 'ready', id, peers: 2, tickRate: 1, seed: 0 }, () => process.disconnect());
});
