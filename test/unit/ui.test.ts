import { describe, it, expect, afterEach } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeLogDir, readSideInputs } from '../../src/runtime/log/analyzeLogDir.js';
import { FileTail, LogDirFollower } from '../../src/ui/tail.js';
import { analyseView, LiveRun } from '../../src/ui/liveRun.js';
import { RunStore } from '../../src/ui/store.js';
import { SseHub } from '../../src/ui/sseHub.js';
import { hostAllowed, listenUi, resumeEvents, type ListeningUi } from '../../src/ui/server.js';
import { toTuple } from '../../src/ui/live.js';
import { makeRun, writeLogs } from '../helpers/makeLogs.js';

const HEADER = 'time,epoch_ms,machine,event,lamport,vector,queue_len,peer,msg_id,detail\n';
const row = (ms: number, event: string, lamport: number, detail = ''): string =>
  `${new Date(ms).toISOString()},${ms},1,${event},${lamport},1:${lamport};2:0,0,,,${detail}\n`;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'lamport-ui-'));
}

describe('FileTail', () => {
  it('returns each complete record once, holding back a line still being written', () => {
    const dir = tmp();
    const path = join(dir, 'log_1.csv');
    const tail = new FileTail(path);
    expect(tail.poll()).toEqual([]); // missing file
    writeFileSync(path, HEADER + row(1000, 'START', 0).slice(0, 20));
    expect(tail.poll().map((r) => r.line)).toEqual([1]);
    appendFileSync(path, row(1000, 'START', 0).slice(20) + row(1001, 'INTERNAL', 1));
    const got = tail.poll();
    expect(got.map((r) => [r.line, r.fields[3]])).toEqual([[2, 'START'], [3, 'INTERNAL']]);
    expect(tail.poll()).toEqual([]);
  });

  it('waits for a quoted field with a newline to close, and counts its lines like the reader', () => {
    const dir = tmp();
    const path = join(dir, 'log_1.csv');
    writeFileSync(path, HEADER + '2026-01-01T00:00:00.000Z,1,1,ERROR,0,1:0;2:0,0,,,"first\n');
    const tail = new FileTail(path);
    expect(tail.poll()).toEqual([]); // the open quote holds the whole chunk back
    appendFileSync(path, 'second"\n' + row(2, 'INTERNAL', 1));
    const got = tail.poll();
    expect(got.map((r) => [r.line, r.fields[9]])).toEqual([[1, 'detail'], [3, 'first\nsecond'], [4, '']]);
  });

  it('starts again when the file is replaced by a shorter one', () => {
    const dir = tmp();
    const path = join(dir, 'log_1.csv');
    writeFileSync(path, HEADER + row(1, 'START', 0) + row(2, 'INTERNAL', 1));
    const tail = new FileTail(path);
    expect(tail.poll()).toHaveLength(3);
    writeFileSync(path, HEADER);
    expect(tail.poll().map((r) => r.line)).toEqual([1]);
  });
});

describe('LogDirFollower', () => {
  it('finds log files as they appear, parses rows and faults, and reports bad rows as warnings', () => {
    const dir = tmp();
    const f = new LogDirFollower(dir, 0);
    expect(f.poll(0)).toMatchObject({ rows: [], faults: [], warnings: [], complete: true });
    writeFileSync(join(dir, 'log_1.csv'), HEADER + row(1000, 'START', 0, 'tick_rate=3') + '2026,x,1,INTERNAL,1,1:1;2:0,0,,,\n');
    writeFileSync(join(dir, 'faults.csv'), 'time,epoch_ms,fault,machine,detail\n2026-01-01T00:00:00.000Z,1500,kill,1,spec=1@1\n');
    const got = f.poll(1);
    expect(got.rows.map((r) => [r.machine, r.entry.event, r.entry.line, r.vector.get(1)])).toEqual([[1, 'START', 2, 0]]);
    expect(got.warnings).toEqual(['log_1.csv:3: non-numeric epoch_ms, lamport or queue_len']);
    expect(got.faults).toEqual([{ line: 2, time: '2026-01-01T00:00:00.000Z', epochMs: 1500, fault: 'kill', machine: 1, detail: 'spec=1@1' }]);
    expect(f.machines()).toEqual([1]);
  });

  it('followed in slices, a run analyses exactly as analyze reads it from the files', async () => {
    const dir = tmp();
    const logs = makeRun({ machines: 4, steps: 600, seed: 9, kills: { 2: 400 }, dropToDead: true });
    writeLogs(dir, logs);
    // write the same run again, growing, into a second directory and follow it while it grows
    const live = tmp();
    const texts = new Map([...logs.keys()].map((id) => [id, readFileSync(join(dir, `log_${id}.csv`), 'utf8')]));
    const follower = new LogDirFollower(live, 0);
    const run = new LiveRun(live);
    for (let step = 1; step <= 7; step++) {
      for (const [id, text] of texts) writeFileSync(join(live, `log_${id}.csv`), text.slice(0, Math.floor((text.length * step) / 7)));
      run.add(follower.poll(step).rows);
    }
    const want = await analyzeLogDir(live);
    const logsView = run.view(null)!;
    const { result, analysis } = analyseView(logsView, readSideInputs(live), true, 0, () => 0);
    expect(JSON.stringify({ ...result, warnings: [] })).toBe(JSON.stringify({ ...want, warnings: [] }));
    expect(analysis.ok).toBe(want.ok);
    expect(analysis.rows).toBe(want.totalRows);
    // a cut leaves out exactly the later rows
    const cut = logsView.machines[0]!.rows[100]!.epochMs;
    const prefix = run.view(cut)!;
    for (const m of prefix.machines) expect(m.rows.every((r) => r.epochMs <= cut)).toBe(true);
  });
});

describe('RunStore', () => {
  it('keeps every row for the snapshot and resumes a client after the last batch it got', () => {
    const s = new RunStore('live', 'logs', false);
    expect(s.add([], [], [])).toBeNull();
    const a = s.add([toTuple(1, { epochMs: 1, event: 'START', lamport: 0, queueLen: 0, peer: '', msgId: '', detail: '', line: 2 })], [], [])!;
    const b = s.add([toTuple(2, { epochMs: 2, event: 'START', lamport: 0, queueLen: 0, peer: '', msgId: '', detail: 'x="y"', line: 2 })], [[3, 'kill', 1, 'spec=1@1', 2]], [])!;
    expect([a.id, b.id]).toEqual(['1.0', '2.1']);
    const snap = JSON.parse(s.snapshotJson());
    expect(snap).toMatchObject({ version: 1, mode: 'live', seq: 2, faultSeq: 1, ended: false });
    expect(snap.rows.map((r: unknown[]) => r[0])).toEqual([1, 2]);
    expect(snap.rows[1][7]).toBe('x="y"');
    expect(snap.faults).toEqual([[3, 'kill', 1, 'spec=1@1', 2]]);
    expect(s.since(0, 0).map((e) => e.id)).toEqual(['1.0', '2.1']);
    expect(s.since(1, 0).map((e) => e.id)).toEqual(['2.1']);
    expect(s.since(2, 1)).toEqual([]);
    s.ended = true;
    expect(resumeEvents(s, 2, 1).some((e) => e.startsWith('event: end'))).toBe(true);
  });
});

describe('live view server', () => {
  let served: ListeningUi | null = null;
  afterEach(async () => {
    await served?.close();
    served = null;
  });

  const get = (url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const req = request(url, { headers }, resolve);
      req.on('error', reject);
      req.end();
    });
  const readUntil = (res: IncomingMessage, re: RegExp): Promise<string> =>
    new Promise((resolve) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        if (re.test(text)) resolve(text);
      });
    });

  it('serves the page, the snapshot and a stream that resumes after Last-Event-ID', async () => {
    const store = new RunStore('live', 'logs', false);
    const hub = new SseHub();
    served = await listenUi({ host: '127.0.0.1', port: 0, store, hub, page: () => '<!doctype html><title>x</title>' });
    const ev1 = store.add([[1, 10, 'START', 0, 0, '', '', '', 2]], [], [])!;
    const page = await get(served.url);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const snap = await readUntil(await get(served.url + 'api/snapshot'), /\}$/);
    expect(JSON.parse(snap).seq).toBe(1);
    const stream = await get(served.url + 'api/stream', { 'last-event-id': ev1.id });
    expect(stream.headers['content-type']).toMatch(/text\/event-stream/);
    const ev2 = store.add([[1, 11, 'INTERNAL', 1, 0, '', '', '', 3]], [], [])!;
    hub.broadcast(`event: batch\nid: ${ev2.id}\ndata: ${ev2.data}\n\n`);
    const text = await readUntil(stream, /id: 2\.0/);
    expect(text).not.toMatch(/id: 1\.0/); // what it had is not sent again
    stream.destroy();
    expect((await get(served.url + 'nope')).statusCode).toBe(404);
  });

  it('on loopback answers only to a loopback Host header (no DNS rebinding)', async () => {
    const store = new RunStore('live', 'logs', false);
    served = await listenUi({ host: '127.0.0.1', port: 0, store, hub: new SseHub(), page: () => '<!doctype html>' });
    const port = new URL(served.url).port;
    expect((await get(served.url, { host: `localhost:${port}` })).statusCode).toBe(200);
    expect((await get(served.url, { host: `127.0.0.1:${port}` })).statusCode).toBe(200);
    expect((await get(served.url + 'api/snapshot', { host: `evil.example:${port}` })).statusCode).toBe(403);
    expect(hostAllowed('[::1]:8080', '127.0.0.1')).toBe(true);
    expect(hostAllowed('127.0.0.1.evil.example', '127.0.0.1')).toBe(false);
    expect(hostAllowed(undefined, '127.0.0.1')).toBe(false);
    expect(hostAllowed('classroom.example:9000', '0.0.0.0')).toBe(true); // --ui-host elsewhere: the user chose
  });

  it('drops a browser that stops reading instead of buffering without bound, without waiting for it', async () => {
    const store = new RunStore('live', 'logs', false);
    const hub = new SseHub(64 * 1024);
    served = await listenUi({ host: '127.0.0.1', port: 0, store, hub, page: () => '' });
    const stalled = await get(served.url + 'api/stream');
    stalled.pause(); // a hidden or stuck tab: never reads
    const big = `event: batch\ndata: ${'x'.repeat(16 * 1024)}\n\n`;
    const t = performance.now();
    for (let k = 0; k < 2000 && hub.stats.dropped === 0; k++) {
      hub.broadcast(big);
      if (k % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(hub.stats.dropped).toBe(1);
    expect(hub.stats.clients).toBe(0);
    expect(performance.now() - t).toBeLessThan(5000); // generous: it never blocked on the client
    stalled.destroy();
  });
});
