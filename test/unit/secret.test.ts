/**
 * The secret's sources (src/cli/secret.ts) and how start-all hands it to its children
 * (childArgs in src/cli/runArgv.ts): a file path or the inherited environment, never the value.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLabError } from '../../src/core/errors.js';
import { SECRET_ENV, resolveSecret } from '../../src/cli/secret.js';
import { resolveRunSettings } from '../../src/cli/runOptions.js';
import { childArgs } from '../../src/cli/runArgv.js';
import type { Config } from '../../src/config/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'lamport-lab-secret-'));
const file = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const config: Config = { machines: [{ id: 1, host: '127.0.0.1', port: 20001 }] };

function labError(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isLabError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('did not throw');
}

describe('resolveSecret', () => {
  it('reads the file as bytes and drops trailing line breaks only', () => {
    expect(resolveSecret(file('a', 's3cret\n'), {})).toEqual(Buffer.from('s3cret'));
    expect(resolveSecret(file('b', ' two words \r\n\n'), {})).toEqual(Buffer.from(' two words '));
    expect(resolveSecret(file('c', Buffer.from([0, 255, 10, 7])), {})).toEqual(Buffer.from([0, 255, 10, 7]));
  });
  it('prefers the file over the environment, and uses the environment otherwise', () => {
    expect(resolveSecret(file('d', 'from file'), { [SECRET_ENV]: 'from env' })).toEqual(Buffer.from('from file'));
    expect(resolveSecret(undefined, { [SECRET_ENV]: 'from env\n' })).toEqual(Buffer.from('from env'));
    expect(resolveSecret(undefined, {})).toBeUndefined();
  });
  it('rejects unreadable and empty secrets with INVALID_OPTION, naming the file and never the secret', () => {
    expect(labError(() => resolveSecret(join(dir, 'missing'), {}))).toEqual({ code: 'INVALID_OPTION', message: `--secret-file ${join(dir, 'missing')}: cannot read the secret (file not found)` });
    expect(labError(() => resolveSecret(file('e', '\n\n'), {})).message).toMatch(/e: the file is empty/);
    expect(labError(() => resolveSecret(dir, {})).message).toMatch(/is a directory/);
    expect(labError(() => resolveSecret(undefined, { [SECRET_ENV]: '\n' })).message).toBe(`${SECRET_ENV} is set but empty (unset it to run without a secret)`);
  });
});

describe('start-all child arguments', () => {
  it('carry the secret file path, --allow-any-host and --hello-timeout, never the secret', () => {
    const path = file('f', 'hunter2\n');
    const raw = { config: 'config.json', secretFile: path, allowAnyHost: true, helloTimeout: 0.5 };
    const settings = resolveRunSettings(raw, config);
    expect(settings.secret).toEqual(Buffer.from('hunter2'));
    expect(settings.helloTimeoutMs).toBe(500);
    const args = childArgs(raw, settings);
    expect(args.join(' ')).toContain(`--secret-file ${path}`);
    expect(args).toContain('--allow-any-host');
    expect(args.join(' ')).toContain('--hello-timeout 0.5');
    expect(args.join(' ')).not.toContain('hunter2');
  });
  it('pass nothing extra when no secret, host check or timeout is set', () => {
    const raw = { config: 'config.json' };
    const args = childArgs(raw, resolveRunSettings(raw, config));
    expect(args).not.toContain('--secret-file');
    expect(args).not.toContain('--allow-any-host');
    expect(args).not.toContain('--hello-timeout');
  });
});
