import { describe, expect, it } from 'vitest';
import { lamportLocal, lamportReceive } from '../../src/core/lamport.js';
import { MachineClock } from '../../src/core/clock.js';
import { formatVector, happenedBefore, makeLayout, mergeInto, parseVector } from '../../src/core/vector.js';

describe('Lamport clock rules', () => {
  it('a local or send event adds exactly one', () => {
    expect(lamportLocal(0)).toBe(1);
    expect(lamportLocal(41)).toBe(42);
  });
  it('a receive takes max(local, sent) + 1', () => {
    expect(lamportReceive(3, 10)).toBe(11);
    expect(lamportReceive(10, 3)).toBe(11);
    expect(lamportReceive(5, 5)).toBe(6);
  });
});

describe('vector clocks', () => {
  const layout = makeLayout([3, 1, 2]);
  it('lays ids out ascending whatever the config order', () => {
    expect(layout.ids).toEqual([1, 2, 3]);
    expect(layout.index.get(3)).toBe(2);
  });
  it('merges entry-wise max in place', () => {
    const v = [1, 5, 0];
    mergeInto(v, [2, 3, 0]);
    expect(v).toEqual([2, 5, 0]);
  });
  it('formats and parses the log format', () => {
    expect(formatVector(layout, [4, 0, 7])).toBe('1:4;2:0;3:7');
    expect([...parseVector('1:4;2:0;3:7')!]).toEqual([
      [1, 4],
      [2, 0],
      [3, 7],
    ]);
    expect(parseVector('1:4;2')).toBeNull();
    expect(parseVector('1:-1')).toBeNull();
    expect(parseVector('x:1')).toBeNull();
  });
  it('happened-before is strict entry-wise <=', () => {
    expect(happenedBefore([1, 0, 0], [1, 1, 0])).toBe(true);
    expect(happenedBefore([1, 1, 0], [1, 1, 0])).toBe(false);
    expect(happenedBefore([2, 0, 0], [1, 1, 0])).toBe(false);
  });
});

describe('MachineClock', () => {
  const layout = makeLayout([1, 2, 3]);
  it('advances Lamport by 1 and the own entry by 1 per local event', () => {
    const c = new MachineClock(layout, 2);
    c.local();
    c.local();
    expect(c.lamport).toBe(2);
    expect(c.formatVector()).toBe('1:0;2:2;3:0');
  });
  it('on receive merges, then adds 1 to its own entry and takes max+1', () => {
    const c = new MachineClock(layout, 2);
    c.local();
    c.receive(7, [3, 0, 4]);
    expect(c.lamport).toBe(8);
    expect(c.formatVector()).toBe('1:3;2:2;3:4');
  });
  it('restores without going backwards', () => {
    const c = new MachineClock(layout, 1);
    c.receive(10, [0, 5, 5]);
    c.restore(3, new Map([[1, 0], [2, 9]]));
    expect(c.lamport).toBe(11);
    expect(c.formatVector()).toBe('1:1;2:9;3:5');
  });
  it('rejects a machine outside the layout', () => {
    expect(() => new MachineClock(layout, 9)).toThrow(RangeError);
  });
});
