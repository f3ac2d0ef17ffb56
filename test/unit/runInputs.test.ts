// A run's side files travel with the indexed run (RunInputs → Run.sharedFile / Run.faults) and the
// registered checkers read them there; and the one vector-text codec of core/vector.ts.
import { describe, expect, it } from 'vitest';
import { analyzeIndexedRun } from '../../src/analysis/analyze.js';
import { indexRun } from '../../src/analysis/run.js';
import { parseFaultsCsv } from '../../src/core/faultsFile.js';
import { formatVector, makeLayout, parseVector, parseVectorCodes, parseVectorInto } from '../../src/core/vector.js';
import { runMutexSim } from '../helpers/mutexSim.js';

describe('RunInputs: side files reach the registered checkers through the run', () => {
  const sim = runMutexSim({ algorithm: 'mutex', n: 3, seed: 11, durationMs: 8_000, csProbability: 0.4 });
  const names = (sharedText?: string) =>
    new Map(
      analyzeIndexedRun(indexRun(sim.run.logs, sharedText === undefined ? {} : { sharedFile: { name: 'critical_section.log', text: sharedText } })).checks.map((c) => [c.name, c]),
    );

  it('without the shared file there is no shared-file check; with it, it runs and passes', () => {
    expect(sim.sharedText).toContain('ENTER machine=');
    expect(names().has('mutex-shared-file')).toBe(false);
    expect(names(sim.sharedText).get('mutex-shared-file')?.ok).toBe(true);
  });

  it('a shared file with a line missing fails the check', () => {
    const lines = sim.sharedText.split('\n');
    const firstLeave = lines.findIndex((l) => l.startsWith('LEAVE'));
    lines.splice(firstLeave, 1);
    const check = names(lines.join('\n')).get('mutex-shared-file')!;
    expect(check.ok).toBe(false);
    expect(check.examples[0]!.where).toMatch(/^critical_section\.log:/);
  });

  it('indexRun keeps the faults it is given', () => {
    const faults = parseFaultsCsv('time,epoch_ms,fault,machine,detail\n1970-01-01T00:00:03.000Z,3000,kill,2,signal=SIGKILL\n');
    const run = indexRun(sim.run.logs, { faults });
    expect(run.faults).toEqual(faults);
    expect(indexRun(sim.run.logs).faults).toBeNull();
  });
});

describe('vector text codec', () => {
  const layout = makeLayout([1, 2, 10]);

  it('parses what it formats, into a map and into a layout alike', () => {
    const text = formatVector(layout, [4, 0, 123456789]);
    expect(text).toBe('1:4;2:0;10:123456789');
    expect([...parseVector(text)!]).toEqual([[1, 4], [2, 0], [10, 123456789]]);
    const out = new Int32Array(5);
    expect(parseVectorInto(text, layout.ids, out, 2)).toBe(true);
    expect([...out]).toEqual([0, 0, 4, 0, 123456789]);
    const codes = Buffer.from(`x,${text},y`);
    expect(parseVectorCodes(codes, layout.ids, out, 0, 2, codes.length - 2)).toBe(codes.length - 2);
  });

  it('rejects other ids, missing or extra entries, and malformed text', () => {
    const out = new Int32Array(3);
    for (const bad of ['1:4;3:0;10:1', '1:4;2:0', '1:4;2:0;10:1;11:0', '1:4;2:;10:1', '1:4,2:0;10:1', '', '1:1234567890;2:0;10:0', '1:-1;2:0;10:0']) {
      expect(parseVectorInto(bad, layout.ids, out, 0), bad).toBe(false);
    }
    expect(parseVector('1:4;x:0')).toBeNull();
    expect(parseVector('1:4;2:-1')).toBeNull();
  });
});
