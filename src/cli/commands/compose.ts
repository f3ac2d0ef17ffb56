/**
 * `lamport-lab compose --machines N [--out docker-compose.yml] [--config-out config.compose.json]`:
 * writes a Docker Compose file with one service per machine and the config.json those services use
 * (hosts by service name). The generation itself is runtime/deploy/compose.ts; this only resolves
 * paths, refuses to overwrite without --force, and writes the two files. `--machines N` is the way
 * to scale (one service per machine id; a service scaled with `up --scale` refuses to run).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { packageRoot } from '../paths.js';
import { type Command, Option } from 'commander';
import { algorithmNames } from '../../algorithms/registry.js';
import { LabError } from '../../core/errors.js';
import { generateCompose } from '../../runtime/deploy/compose.js';
import { EXIT_OK } from '../exitCodes.js';
import { intIn, seconds } from '../parsers.js';
import type { SetExit } from '../program.js';

interface ComposeCliOptions {
  machines: number;
  out: string;
  configOut: string;
  port: number;
  image: string;
  secretFile?: string;
  duration?: number;
  algorithm?: string;
  force?: boolean;
}

/** `to` relative to `fromDir`, in POSIX form and starting with `./` or `../` (compose reads it as a path). */
function composePath(fromDir: string, to: string): string {
  const rel = relative(fromDir, to).split(sep).join('/');
  if (rel === '') return '.';
  return rel.startsWith('../') || rel === '..' ? rel : `./${rel}`;
}

function refuseOverwrite(path: string, force: boolean): void {
  if (!force && existsSync(path)) throw new LabError('INVALID_OPTION', `${path} already exists (add --force to overwrite it)`);
}

function write(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new LabError('IO_ERROR', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export function registerCompose(program: Command, setExit: SetExit): void {
  program
    .command('compose')
    .description('write a docker-compose.yml (one container per machine) and the config it uses')
    .requiredOption('--machines <n>', 'number of machines (containers), 1..250', intIn(1, 250))
    .option('--out <path>', 'compose file to write', 'docker-compose.yml')
    .option('--config-out <path>', 'config file to write (mounted into every container)', 'config.compose.json')
    .option('--port <n>', 'port every machine listens on inside its container', intIn(1, 65535), 5001)
    .option('--image <tag>', 'image tag to build and run', 'lamport-lab:local')
    .option('--secret-file <path>', 'shared secret file, handed to the containers as a compose secret (never inlined)')
    .option('--duration <s>', 'stop every machine after this many seconds (default: run until stopped)', seconds)
    .addOption(new Option('--algorithm <name>', 'algorithm every machine runs (default: the machines\' default, workload)').choices(algorithmNames()))
    .option('--force', 'overwrite existing output files')
    .action((o: ComposeCliOptions) => {
      const outPath = resolve(o.out);
      const configPath = resolve(o.configOut);
      if (outPath === configPath) throw new LabError('INVALID_OPTION', '--out and --config-out must be different files');
      const outDir = dirname(outPath);
      let secretFile: string | undefined;
      if (o.secretFile !== undefined) {
        const secretPath = resolve(o.secretFile);
        if (!existsSync(secretPath)) throw new LabError('INVALID_OPTION', `--secret-file ${o.secretFile}: file not found`);
        secretFile = composePath(outDir, secretPath);
      }
      const result = generateCompose({
        machines: o.machines,
        port: o.port,
        image: o.image,
        buildContext: composePath(outDir, packageRoot()),
        configFile: composePath(outDir, configPath),
        configName: basename(configPath),
        ...(secretFile !== undefined ? { secretFile } : {}),
        ...(o.duration !== undefined ? { durationSec: o.duration } : {}),
        ...(o.algorithm !== undefined ? { algorithm: o.algorithm } : {}),
      });
      // check both before writing either, so a refusal leaves nothing half-written
      refuseOverwrite(configPath, o.force ?? false);
      refuseOverwrite(outPath, o.force ?? false);
      write(configPath, JSON.stringify(result.config, null, 2) + '\n');
      write(outPath, result.yaml);
      process.stdout.write(
        `compose: wrote ${o.out} (${o.machines} services machine-1..machine-${o.machines}) and ${o.configOut}\n` +
          `compose: run with: docker compose -f ${o.out} up --build\n` +
          `compose: to scale, run compose again with another --machines (ids come from service names; up --scale is refused)\n`,
      );
      setExit(EXIT_OK);
    });
}
