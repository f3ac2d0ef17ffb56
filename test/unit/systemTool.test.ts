/**
 * The missing-system-tool rule (test/helpers/systemTool.ts): skip with the reason outside CI, fail
 * under CI; checked against a fake PATH and environment.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decide, findExecutable, isCi, systemTool } from '../helpers/systemTool.js';

function fakeBin(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lamport-systool-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'good-tool'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(bin, 'good-tool'), 0o755);
  writeFileSync(join(bin, 'broken-tool'), '#!/bin/sh\necho "daemon gone" >&2\nexit 3\n');
  chmodSync(join(bin, 'broken-tool'), 0o755);
  writeFileSync(join(bin, 'not-executable'), 'plain file\n');
  mkdirSync(join(bin, 'a-directory'));
  return { dir, path: `${join(dir, 'empty')}:${bin}` };
}

describe('systemTool: the rule', () => {
  it('CI is set unless absent, empty, "0" or "false"', () => {
    expect(isCi({})).toBe(false);
    for (const v of ['', '0', 'false', 'FALSE', ' false ']) expect(isCi({ CI: v }), v).toBe(false);
    for (const v of ['true', '1', 'yes', 'github']) expect(isCi({ CI: v }), v).toBe(true);
  });

  it('available runs; missing skips outside CI and fails under CI', () => {
    expect(decide(true, {})).toBe('run');
    expect(decide(true, { CI: 'true' })).toBe('run');
    expect(decide(false, {})).toBe('skip');
    expect(decide(false, { CI: 'true' })).toBe('fail');
  });

  it('finds only executable files, on PATH or by absolute path', () => {
    const { dir, path } = fakeBin();
    expect(findExecutable(['good-tool'], { PATH: path })).toBe(join(dir, 'bin', 'good-tool'));
    expect(findExecutable(['not-executable', 'a-directory', 'nope'], { PATH: path })).toBeNull();
    expect(findExecutable(['nope', 'good-tool'], { PATH: path })).toBe(join(dir, 'bin', 'good-tool'));
    expect(findExecutable([join(dir, 'bin', 'good-tool')], { PATH: '' })).toBe(join(dir, 'bin', 'good-tool'));
    expect(findExecutable(['good-tool'], {})).toBeNull();
  });

  it('missing outside CI: skip, prints why and how to install, require() throws', () => {
    const { path } = fakeBin();
    const lines: string[] = [];
    const t = systemTool({ name: 'chromium', candidates: ['chromium'], install: 'apt-get install chromium', needs: 'browser test', env: { PATH: path }, log: (l) => lines.push(l) });
    expect(t.path).toBeNull();
    expect(t.skip).toBe(true);
    expect(t.decision).toBe('skip');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^browser test: SKIPPED, chromium not found .*apt-get install chromium.*CI=true this is a failure/);
    expect(() => t.require()).toThrow(/chromium not found/);
  });

  it('missing under CI=true: not skipped, nothing printed, require() throws a clear failure', () => {
    const { path } = fakeBin();
    const lines: string[] = [];
    const t = systemTool({ name: 'chromium', candidates: ['chromium'], install: 'apt-get install chromium', needs: 'browser test', env: { PATH: path, CI: 'true' }, log: (l) => lines.push(l) });
    expect(t.skip).toBe(false);
    expect(t.decision).toBe('fail');
    expect(lines).toEqual([]);
    expect(() => t.require()).toThrow(/browser test: chromium not found .*CI is set, so this is a failure \(CI must install it: apt-get install chromium\)/);
  });

  it('a probe that fails counts as missing; one that passes runs', () => {
    const { dir, path } = fakeBin();
    const lines: string[] = [];
    const broken = systemTool({ name: 'docker', candidates: ['broken-tool'], probe: ['info'], install: 'apt-get install docker.io', needs: 'containers', env: { PATH: path }, log: (l) => lines.push(l) });
    expect(broken.skip).toBe(true);
    expect(broken.missing).toMatch(/broken-tool info exited 3: daemon gone/);
    const good = systemTool({ name: 'x', candidates: ['good-tool'], probe: ['version'], install: '-', needs: 'n', env: { PATH: path, CI: 'true' }, log: (l) => lines.push(l) });
    expect(good.decision).toBe('run');
    expect(good.require()).toBe(join(dir, 'bin', 'good-tool'));
    expect(lines).toHaveLength(1);
  });

  it('a further check (unusable) counts as missing', () => {
    const { path } = fakeBin();
    const lines: string[] = [];
    const t = systemTool({ name: 'docker', candidates: ['good-tool'], unusable: (p) => `no daemon for ${p}`, install: 'start dockerd', needs: 'containers', env: { PATH: path, CI: '1' }, log: (l) => lines.push(l) });
    expect(t.decision).toBe('fail');
    expect(() => t.require()).toThrow(/containers: no daemon for .*good-tool, and CI is set/);
  });
});
