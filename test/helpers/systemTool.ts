/**
 * The one rule for tests that need a system tool (Chromium, docker-compose, a docker engine, ...):
 * when the tool is missing and CI is not set, the test is skipped and says why and how to install
 * the tool; under CI (CI set to anything but "", "0" or "false") a missing tool is a failure, because
 * CI installs what the tests need (.ci/run). Tests use `systemTool()` at module level, skip with
 * `describe.skipIf(tool.skip)` and call `tool.require()` where they need the path: under CI that
 * throws the same clear message the skip would have printed.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** True when the environment says CI: `CI` set to anything but "", "0" or "false" (any case). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env['CI'];
  return v !== undefined && !['', '0', 'false'].includes(v.trim().toLowerCase());
}

/** The rule itself: run when available; otherwise skip outside CI and fail under CI. */
export function decide(available: boolean, env: NodeJS.ProcessEnv = process.env): 'run' | 'skip' | 'fail' {
  if (available) return 'run';
  return isCi(env) ? 'fail' : 'skip';
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable among `candidates` (absolute paths as they are, bare names searched on env.PATH), or null. */
export function findExecutable(candidates: readonly string[], env: NodeJS.ProcessEnv = process.env): string | null {
  const dirs = (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  for (const c of candidates) {
    if (isAbsolute(c) || c.includes('/')) {
      if (isExecutableFile(c)) return c;
      continue;
    }
    for (const d of dirs) {
      const p = join(d, c);
      if (isExecutableFile(p)) return p;
    }
  }
  return null;
}

export interface SystemToolSpec {
  /** What the tool is, for messages ("chromium", "docker-compose"). */
  readonly name: string;
  /** Absolute paths or names looked up on PATH, in order of preference. */
  readonly candidates: readonly string[];
  /** Arguments of a probe run of the found executable that must exit 0 (e.g. ['version']); none: existing is enough. */
  readonly probe?: readonly string[];
  /** A further check once the executable is found (e.g. "a daemon answers"): why it is unusable, or null. */
  readonly unusable?: (path: string) => string | null;
  /** How to install it ("apt-get install chromium"). */
  readonly install: string;
  /** What does not run without it ("report.browser.test.ts: the report in a real browser"). */
  readonly needs: string;
  /** Environment to read PATH and CI from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the skip notice goes (default console.warn). */
  readonly log?: (line: string) => void;
}

export interface SystemTool {
  /** The executable found, or null. */
  readonly path: string | null;
  /** Why it cannot be used (null when it can). */
  readonly missing: string | null;
  /** run / skip / fail per `decide`. */
  readonly decision: 'run' | 'skip' | 'fail';
  /** True only when missing and not under CI: pass to describe.skipIf / it.skipIf. */
  readonly skip: boolean;
  /** The message a skip printed and a failure throws. */
  readonly message: string | null;
  /** The executable's path; throws an Error with `message` when it is missing (under CI: the failure). */
  require(): string;
}

/** Looks the tool up once and applies the rule; a skip prints its notice at once (module load). */
export function systemTool(spec: SystemToolSpec): SystemTool {
  const env = spec.env ?? process.env;
  const path = findExecutable(spec.candidates, env);
  let missing: string | null = null;
  if (path === null) {
    missing = `${spec.name} not found (looked for ${spec.candidates.join(', ')} on PATH)`;
  } else if (spec.probe !== undefined) {
    const r = spawnSync(path, [...spec.probe], { encoding: 'utf8', timeout: 30_000, env });
    if (r.error) missing = `${path} ${spec.probe.join(' ')} failed to run: ${r.error.message}`;
    else if (r.status !== 0) missing = `${path} ${spec.probe.join(' ')} exited ${r.status ?? r.signal}: ${`${r.stderr}${r.stdout}`.trim().slice(0, 300)}`;
  }
  if (path !== null && missing === null && spec.unusable !== undefined) missing = spec.unusable(path);
  const decision = decide(missing === null, env);
  const message =
    missing === null
      ? null
      : decision === 'skip'
        ? `${spec.needs}: SKIPPED, ${missing}. Install it to run this (${spec.install}); under CI=true this is a failure.`
        : `${spec.needs}: ${missing}, and CI is set, so this is a failure (CI must install it: ${spec.install}).`;
  if (decision === 'skip') (spec.log ?? ((l: string) => console.warn(l)))(message!);
  return {
    path,
    missing,
    decision,
    skip: decision === 'skip',
    message,
    require() {
      if (missing !== null || path === null) throw new Error(message ?? `${spec.name} missing`);
      return path;
    },
  };
}
