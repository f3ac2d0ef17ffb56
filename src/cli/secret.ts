/**
 * Where a machine's shared secret comes from: `--secret-file <path>` or the environment variable
 * LAMPORT_LAB_SECRET. Never from a command-line value (every local user can read argv with ps).
 * The secret keys the HMAC proof in the transport's hello (runtime/net/protocol.ts).
 */
import { readFileSync } from 'node:fs';
import { LabError } from '../core/errors.js';

/** Environment variable holding the secret itself (used when no --secret-file is given). */
export const SECRET_ENV = 'LAMPORT_LAB_SECRET';

/** Trailing line breaks (an editor's or `echo`'s final newline) are not part of the secret. */
function trimTrailingNewlines(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.subarray(0, end);
}

/**
 * The secret to use, or undefined when none is configured.
 *
 * - `secretFile` given: its bytes, trailing CR/LF removed (wins over the environment);
 * - else `env.LAMPORT_LAB_SECRET` set: its UTF-8 bytes, trailing CR/LF removed;
 * - else undefined (the cluster runs without authentication).
 *
 * Invariant: a returned buffer is never empty. Throws LabError INVALID_OPTION naming the file (or
 * the variable) when the file is unreadable or the secret is empty; never includes the secret
 * itself in a message.
 */
export function resolveSecret(secretFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  if (secretFile !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(secretFile);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException | null)?.code ?? 'error';
      const why =
        code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code;
      throw new LabError('INVALID_OPTION', `--secret-file ${secretFile}: cannot read the secret (${why})`, { cause: e });
    }
    const secret = trimTrailingNewlines(bytes);
    if (secret.length === 0) throw new LabError('INVALID_OPTION', `--secret-file ${secretFile}: the file is empty`);
    return secret;
  }
  const value = env[SECRET_ENV];
  if (value === undefined) return undefined;
  const secret = trimTrailingNewlines(Buffer.from(value, 'utf8'));
  if (secret.length === 0) {
    throw new LabError('INVALID_OPTION', `${SECRET_ENV} is set but empty (unset it to run without a secret)`);
  }
  return secret;
}
