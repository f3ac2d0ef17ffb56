/**
 * `lamport-lab ui [--log-dir logs] [--port N] [--host H]`: serves the live view's page for a
 * finished run (replay with a time slider, play/pause and speed) until Ctrl-C. Also the options
 * start-all takes for its live view (`--ui [port]`, `--ui-host`), shared here.
 */
import type { Command } from 'commander';
import { EXIT_OK } from '../exitCodes.js';
import { intIn } from '../parsers.js';
import type { SetExit } from '../program.js';

/** Default address of the live view: loopback only (a run's logs are not for the whole network). */
export const UI_DEFAULT_HOST = '127.0.0.1';

/** `--ui [port]`: true (any free port) or a port number. */
export const parseUiPort = intIn(0, 65535);

interface UiOptions {
  logDir: string;
  port: number;
  host: string;
}

function write(line: string): void {
  if (process.stdout.writable) process.stdout.write(line + '\n');
}

export function registerUi(program: Command, setExit: SetExit): void {
  program
    .command('ui')
    .description("serve the live view's page for a finished run: replay it with a time slider")
    .option('--log-dir <dir>', 'directory holding log_<id>.csv files', 'logs')
    .option('--port <n>', 'port to listen on (default: any free port)', parseUiPort, 0)
    .option('--host <addr>', `address to listen on (default ${UI_DEFAULT_HOST}, loopback only)`, UI_DEFAULT_HOST)
    .action(async (opts: UiOptions) => {
      const { serveReplay } = await import('../../ui/replay.js');
      const served = await serveReplay({ logDir: opts.logDir, host: opts.host, port: opts.port });
      write(`ui: ${served.url}`);
      write(`ui: replaying ${served.rows} rows of ${opts.logDir}/; Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await served.close();
      setExit(EXIT_OK);
    });
}
