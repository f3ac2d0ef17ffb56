import { describe, expect, it } from 'vitest';
import { analyzeIndexedRun } from '../../src/analysis/analyze.js';
import { parseFaultsCsv } from '../../src/core/faultsFile.js';
import { buildReportData, thin } from '../../src/analysis/reportData.js';
import { indexRun } from '../../src/analysis/run.js';
import { faultWindows, recoverBaseSeed, runInfo, seedsDeriving, shellQuote, unsplitmix32 } from '../../src/analysis/runInfo.js';
import { Rng, deriveSeed } from '../../src/core/rng.js';
import { makeRun, runLogsOf } from '../helpers/makeLogs.js';

const FAULTS = `time,epoch_ms,fault,machine,detail
x,1000,loss,,link=*>* p=0.05 since=start
x,2000,pause,3,spec=3@1-1.8 signal=SIGSTOP until_s=1.8
x,2800,resume,3,spec=3@1-1.8 signal=SIGCONT
x,3000,kill,2,spec=2@2 signal=SIGKILL
x,4500,restart,2,spec=2@3.5 mode=append
x,5000,partition,,spec=1|3@4-5 mode=two-way groups=1|3|2 active=1
x,6000,heal,,spec=1|3@4-5 mode=two-way groups=1|3|2 active=0
x,6500,kill,1,spec=1>2=x who=leader signal=SIGKILL
x,6600,delay,,link=1>2 spec=uniform:10-50ms since=start
`;

describe('recovering the run seed from the machines seeds', () => {
  it('inverts splitmix32 and deriveSeed exactly', () => {
    const rng = new Rng(9);
    for (let k = 0; k < 300; k++) {
      const base = rng.int(0, 2147483646);
      const id = rng.int(1, 100);
      expect(seedsDeriving(deriveSeed(base, id), id)).toContain(base);
    }
    expect(unsplitmix32(0)).toBeTypeOf('number');
  });

  it('finds the one base seed every machine seed derives from, and null for unrelated seeds', () => {
    for (const base of [0, 1, 5, 42, 2147483646, 123456789]) {
      const machines = [1, 2, 3, 7].map((id) => ({ id, seed: deriveSeed(base, id) }));
      expect(recoverBaseSeed(machines)).toBe(base);
    }
    expect(recoverBaseSeed([{ id: 1, seed: 11 }, { id: 2, seed: 12 }])).toBeNull();
    expect(recoverBaseSeed([{ id: 1, seed: null }])).toBeNull();
  });

  it('quotes shell arguments that need it', () => {
    expect(shellQuote('1|3@4-5')).toBe(`'1|3@4-5'`);
    expect(shellQuote('1>2=uniform:10-50ms')).toBe(`'1>2=uniform:10-50ms'`);
    expect(shellQuote('--seed')).toBe('--seed');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('fault windows and the replay command', () => {
  const run = indexRun(runLogsOf(makeRun({ machines: 3, steps: 60, seed: 4, startEpoch: 0 })));

  it('pairs kill/restart, pause/resume and partition/heal from faults.csv; open windows end with the run', () => {
    const w = faultWindows(run, parseFaultsCsv(FAULTS), 9000);
    expect(w.map((f) => [f.kind, f.machine, f.from, f.to])).toEqual([
      ['pause', 3, 2000, 2800],
      ['kill', 2, 3000, 4500],
      ['partition', null, 5000, 6000],
      ['kill', 1, 6500, null],
    ]);
    expect(w.every((f) => f.source === 'faults.csv')).toBe(true);
  });

  it('gives start-all the fault flags of faults.csv, each spec once', () => {
    const info = runInfo(run, parseFaultsCsv(FAULTS));
    expect(info.command).toBe('start-all');
    expect(info.replay).toContain("--loss 0.05 --pause 3@1-1.8 --kill 2@2 --restart 2@3.5 --partition '1|3@4-5'");
    expect(info.replay).toContain("--delay '1>2=uniform:10-50ms'");
    expect(info.replay.match(/--pause/g)).toHaveLength(1);
  });

  it('without faults.csv, a crash is the gap in the log: last row before a restart START', () => {
    const rows = makeRun({ machines: 2, steps: 40, seed: 2, startEpoch: 0 });
    const log2 = rows.get(2)!;
    // cut machine 2's log: its STOP is replaced by a restart START 5 s after the row before
    const last = log2[log2.length - 2]!;
    log2.splice(log2.length - 1, 1, { ...last, event: 'START', epoch_ms: last.epoch_ms + 5000, time: new Date(last.epoch_ms + 5000).toISOString(), detail: 'seed=1 tick_rate=2' });
    log2.push({ ...last, event: 'STOP', epoch_ms: last.epoch_ms + 6000, time: new Date(last.epoch_ms + 6000).toISOString(), detail: 'reason=duration' });
    const w = faultWindows(indexRun(runLogsOf(rows)), null, Infinity);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ kind: 'kill', machine: 2, from: last.epoch_ms, to: last.epoch_ms + 5000, source: 'log' });
  });
});

describe('report data stays bounded', () => {
  it('thin keeps each bucket extremes and at most 2 points per bucket', () => {
    const x = Array.from({ length: 10_000 }, (_, i) => i);
    const y = x.map((i) => (i === 5_555 ? 1000 : i === 7_777 ? -1000 : i % 7));
    const s = thin(x, y, 0, 10_000, 100);
    expect(s.x.length).toBeLessThanOrEqual(200);
    expect(s.y).toContain(1000);
    expect(s.y).toContain(-1000);
    for (let i = 1; i < s.x.length; i++) expect(s.x[i]!).toBeGreaterThanOrEqual(s.x[i - 1]!);
    expect(thin([1, 2], [3, 4], 0, 2, 100)).toEqual({ x: [1, 2], y: [3, 4] });
  });

  it('histograms count every receive, from jump 1, and the diagram stops at --max-diagram-rows', () => {
    const run = indexRun(runLogsOf(makeRun({ machines: 4, steps: 3000, seed: 8 })));
    const result = analyzeIndexedRun(run);
    const full = buildReportData(run, result, {});
    expect(full.diagram.untilMs).toBeNull();
    expect(full.diagram.rows).toBe(run.totalRows);
    expect(full.diagram.messages.length / 5).toBe(result.messages.received);
    for (const m of full.machines) {
      const s = result.stats.find((x) => x.machine === m.id)!;
      expect(m.jumpHist.counts.reduce((a, b) => a + b, 0)).toBe(s.messages.received);
      expect(m.receives).toBe(s.messages.received);
      // bin k covers [1 + k·size, 1 + (k+1)·size): the last bin holds the max jump, the first is not empty
      expect(1 + (m.jumpHist.counts.length - 1) * m.jumpHist.binSize).toBeLessThanOrEqual(s.jumps.max);
      expect(m.jumpHist.counts.at(-1)).toBeGreaterThan(0);
      expect(m.lamport.x.length).toBeLessThanOrEqual(2 * 2000);
    }
    const cut = buildReportData(run, result, { maxDiagramRows: 2000 });
    expect(cut.diagram.rows).toBeLessThanOrEqual(2000);
    expect(cut.diagram.rows).toBeGreaterThan(1500);
    expect(cut.diagram.untilMs).not.toBeNull();
    for (const lane of cut.diagram.lanes) for (const t of lane.t) expect(t).toBeLessThanOrEqual(cut.diagram.untilMs!);
    // every arrow's two ends are in the diagram
    const g = cut.diagram;
    for (let k = 0; k < g.messages.length; k += 5) {
      expect(g.messages[k + 1]!).toBeLessThan(g.lanes[g.messages[k]!]!.t.length);
      expect(g.messages[k + 3]!).toBeLessThan(g.lanes[g.messages[k + 2]!]!.t.length);
    }
    // the charts still cover the whole run
    expect(cut.machines.map((m) => m.lamport.x.at(-1))).toEqual(full.machines.map((m) => m.lamport.x.at(-1)));
  });
});
