import { describe, expect, it } from 'vitest';
import { findMachine, parseConfig } from '../../src/config/load.js';
import { LabError } from '../../src/core/errors.js';

const ok = { machines: [{ id: 1, host: '127.0.0.1', port: 5001 }, { id: 2, host: '127.0.0.1', port: 5002 }] };

function errorOf(text: string): LabError {
  try {
    parseConfig(text, 'config.json');
  } catch (e) {
    return e as LabError;
  }
  throw new Error('expected an error');
}

describe('config validation', () => {
  it('accepts a valid config', () => {
    expect(parseConfig(JSON.stringify(ok), 'config.json').machines).toHaveLength(2);
  });
  it('names the file on invalid JSON', () => {
    const e = errorOf('{ machines: ');
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/^config\.json: not valid JSON/);
  });
  it('names the offending field', () => {
    const bad = { machines: [{ id: 1, host: '127.0.0.1', port: 5001 }, { id: 2, host: '127.0.0.1', port: 'x' }] };
    expect(errorOf(JSON.stringify(bad)).message).toMatch(/machines\[1\]\.port/);
    const neg = { machines: [{ id: -1, host: 'h', port: 1 }] };
    expect(errorOf(JSON.stringify(neg)).message).toMatch(/machines\[0\]\.id/);
  });
  it('rejects duplicate ids and duplicate addresses', () => {
    const dupId = { machines: [{ id: 1, host: 'a', port: 1 }, { id: 1, host: 'a', port: 2 }] };
    expect(errorOf(JSON.stringify(dupId)).message).toMatch(/machines\[1\]\.id: duplicate id 1/);
    const dupPort = { machines: [{ id: 1, host: 'a', port: 1 }, { id: 2, host: 'a', port: 1 }] };
    expect(errorOf(JSON.stringify(dupPort)).message).toMatch(/machines\[1\]\.port: duplicate address a:1/);
  });
  it('rejects unknown keys and a missing machines list', () => {
    expect(errorOf(JSON.stringify({ machine: [] })).message).toMatch(/config\.json/);
    expect(errorOf(JSON.stringify({ ...ok, extra: 1 })).code).toBe('CONFIG_INVALID');
  });
  it('lists the valid ids for an unknown machine', () => {
    const cfg = parseConfig(JSON.stringify(ok), 'config.json');
    expect(() => findMachine(cfg, 7)).toThrow(/valid ids: 1, 2/);
  });
});
