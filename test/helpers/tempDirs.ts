/**
 * Temporary directories for one test file: `tempDirs(prefix)` returns a maker of fresh dirs under
 * the OS temp dir (and adopts dirs made elsewhere), all removed after the file's tests (afterAll).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Makes a fresh temp dir; `adopt` has a dir made elsewhere (e.g. by tempCluster) removed as well. */
export interface TempDirs {
  (): string;
  adopt(dir: string): string;
}

/** A maker of temp dirs named `<prefix>XXXXXX`; every one is removed once the file's tests end. */
export function tempDirs(prefix: string): TempDirs {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const adopt = (dir: string): string => {
    dirs.push(dir);
    return dir;
  };
  return Object.assign(() => adopt(mkdtempSync(join(tmpdir(), prefix))), { adopt });
}
