/**
 * Loads and validates config.json. Every failure is a LabError naming the file and, for schema
 * errors, the offending field (e.g. `config.json: machines[1].port: ...`).
 */
import { readFileSync } from 'node:fs';
import { LabError } from '../core/errors.js';
import { type Config, type MachineEntry, configSchema } from './schema.js';

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

/** Parses and validates config text; `source` names the file in messages. */
export function parseConfig(text: string, source: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LabError('CONFIG_INVALID', `${source}: not valid JSON (${(e as Error).message})`);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
    throw new LabError('CONFIG_INVALID', `${source}: ${formatPath(issue.path)}: ${issue.message}${more}`);
  }
  return result.data;
}

/** Reads and validates a config file. */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LabError('CONFIG_NOT_FOUND', `${path}: config file not found (use --config <path>)`);
    throw new LabError('CONFIG_INVALID', `${path}: cannot read config (${(e as Error).message})`);
  }
  return parseConfig(text, path);
}

/** Finds a machine's entry; the error lists the valid ids. */
export function findMachine(config: Config, id: number): MachineEntry {
  const entry = config.machines.find((m) => m.id === id);
  if (!entry) {
    const valid = config.machines.map((m) => m.id).join(', ');
    throw new LabError('UNKNOWN_MACHINE', `machine ${id} is not in the config (valid ids: ${valid})`);
  }
  return entry;
}
