/**
 * Pins the command lines built from run settings by src/cli/runArgv.ts: each start-all child's
 * `run-machine` argv and simulate's replay commands. The snapshots were taken from the code before
 * the two shared one serializer; the outputs must stay byte for byte what they were.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { resolveRunSettings, type RawRunOptions } from '../../src/cli/runOptions.js';
import { delayRuleOption, lossRuleOption, partitionOption, type RawLinkFaultOptions } from '../../src/cli/linkFaultOptions.js';
import { machineArgv as argvOf } from '../../src/cli/runArgv.js';
import { faultOption } from '../../src/cli/faultSpec.js';
import { DEFAULT_SIM_DELAY, replayCommand, type RawSimulateOptions } from '../../src/cli/commands/simulate.js';
import { parseDelaySpec } from '../../src/faults/delay.js';

const config: Config = { machines: [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', port: 5000 + id })) };

/** A start-all child's arguments after `run-machine <id>` (as start-all builds them). */
function machineArgv(raw: RawRunOptions & RawLinkFaultOptions, seed: number, cfg: Config = config): string[] {
  return argvOf(raw, resolveRunSettings(raw, cfg), seed);
}

/** simulate's replay commands (logs, check) for one seed of these options. */
function replays(raw: RawSimulateOptions, seed: number): [string, string] {
  const settings = resolveRunSettings({ ...raw, config: '' }, { machines: [{ id: 1, host: 'sim', port: 1 }] });
  return [replayCommand(raw, settings, seed), replayCommand(raw, settings, seed, true)];
}

const sim = (extra: Partial<RawSimulateOptions> = {}): RawSimulateOptions => ({ machines: 3, delay: DEFAULT_SIM_DELAY, logs: true, ...extra });

describe('start-all child argv', () => {
  it('defaults', () => {
    expect((machineArgv({ config: 'config.json' }, 42)).join(' ')).toMatchInlineSnapshot(`"--config config.json --algorithm workload --max-tick-rate 6 --min-tick-rate 1 --internal-max 10 --log-dir logs --max-queue 10000 --seed 42"`);
  });

  it('explicit workload options', () => {
    expect(
      machineArgv({ config: 'my config.json', seed: 9, maxTickRate: 5, minTickRate: 2, internalMax: 7, duration: 2.5, logDir: 'out dir', quiet: true, maxQueue: 50 }, 123456),
    ).toMatchInlineSnapshot(`
      [
        "--config",
        "my config.json",
        "--algorithm",
        "workload",
        "--max-tick-rate",
        "5",
        "--min-tick-rate",
        "2",
        "--internal-max",
        "7",
        "--log-dir",
        "out dir",
        "--duration",
        "2.5",
        "--quiet",
        "--max-queue",
        "50",
        "--seed",
        "123456",
      ]
    `);
    expect((machineArgv({ config: 'config.json', tickRate: 500, fastTicks: true, duration: 0.25 }, 1)).join(' ')).toMatchInlineSnapshot(`"--config config.json --algorithm workload --max-tick-rate 6 --min-tick-rate 1 --internal-max 10 --log-dir logs --tick-rate 500 --fast-ticks --duration 0.25 --max-queue 10000 --seed 1"`);
  });

  it('mutex options and the shared file', () => {
    expect((machineArgv({ config: 'config.json', algorithm: 'mutex' }, 5)).join(' ')).toMatchInlineSnapshot(`"--config config.json --algorithm mutex --max-tick-rate 6 --min-tick-rate 1 --internal-max 10 --log-dir logs --cs-probability 0.2 --cs-ticks 2 --failure-timeout 3 --shared-file logs/critical_section.log --max-queue 10000 --seed 5"`);
    expect(
      machineArgv({ config: 'config.json', algorithm: 'ricart-agrawala', csProbability: 0.5, csTicks: 3, failureTimeout: 1.5, sharedFile: 'shared/cs file.log', logDir: 'l' }, 6),
    ).toMatchInlineSnapshot(`
      [
        "--config",
        "config.json",
        "--algorithm",
        "ricart-agrawala",
        "--max-tick-rate",
        "6",
        "--min-tick-rate",
        "1",
        "--internal-max",
        "10",
        "--log-dir",
        "l",
        "--cs-probability",
        "0.5",
        "--cs-ticks",
        "3",
        "--failure-timeout",
        "1.5",
        "--shared-file",
        "shared/cs file.log",
        "--max-queue",
        "10000",
        "--seed",
        "6",
      ]
    `);
  });

  it('election options', () => {
    expect((machineArgv({ config: 'config.json', algorithm: 'bully', heartbeat: 0.5, leaderTimeout: 2 }, 7)).join(' ')).toMatchInlineSnapshot(`"--config config.json --algorithm bully --max-tick-rate 6 --min-tick-rate 1 --internal-max 10 --log-dir logs --heartbeat 0.5 --leader-timeout 2 --max-queue 10000 --seed 7"`);
    expect((machineArgv({ config: 'config.json', algorithm: 'election' }, 8)).join(' ')).toMatchInlineSnapshot(`"--config config.json --algorithm election --max-tick-rate 6 --min-tick-rate 1 --internal-max 10 --log-dir logs --heartbeat 1 --leader-timeout 5 --max-queue 10000 --seed 8"`);
  });

  it('config.json defaults', () => {
    const cfg: Config = { ...config, defaults: { algorithm: 'mutex', logDir: 'cfg-logs', maxTickRate: 4, tickRate: 3, internalMax: 20, csTicks: 4, maxQueue: 9 } };
    expect((machineArgv({ config: 'c.json' }, 10, cfg)).join(' ')).toMatchInlineSnapshot(`"--config c.json --algorithm mutex --max-tick-rate 4 --min-tick-rate 1 --internal-max 20 --log-dir cfg-logs --tick-rate 3 --cs-probability 0.2 --cs-ticks 4 --failure-timeout 3 --shared-file cfg-logs/critical_section.log --max-queue 9 --seed 10"`);
    expect((machineArgv({ config: 'c.json', sharedFile: '/tmp/x.log', logDir: 'cli-logs' }, 11, cfg)).join(' ')).toMatchInlineSnapshot(`"--config c.json --algorithm mutex --max-tick-rate 4 --min-tick-rate 1 --internal-max 20 --log-dir cli-logs --tick-rate 3 --cs-probability 0.2 --cs-ticks 4 --failure-timeout 3 --shared-file /tmp/x.log --max-queue 9 --seed 11"`);
  });

  it('link faults: delay and loss passed on, partitions not', () => {
    const delay = delayRuleOption('1>2=fixed:5ms', delayRuleOption('uniform:1-50ms', undefined));
    const loss = lossRuleOption('2>3=0.2', lossRuleOption('0.1', undefined));
    const partition = partitionOption('1,2|3@10-20', undefined);
    expect((machineArgv({ config: 'config.json', delay, loss, partition }, 12)).join(' ')).toMatchInlineSnapshot(`"--config config.json --algorithm workload --max-tick-rate 6 --min-tick-rate 1 --internal-max 10 --log-dir logs --max-queue 10000 --delay uniform:1-50ms --delay 1>2=fixed:5ms --loss 0.1 --loss 2>3=0.2 --seed 12"`);
  });

  it('secret file, host check and hello timeout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runargv-'));
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, 'hunter2\n');
    const args = machineArgv({ config: 'config.json', secretFile, allowAnyHost: true, helloTimeout: 0.5 }, 13);
    expect((args.map((a) => (a === secretFile ? '<secret>' : a))).join(' ')).toMatchInlineSnapshot(`"--config config.json --algorithm workload --max-tick-rate 6 --min-tick-rate 1 --internal-max 10 --log-dir logs --secret-file <secret> --allow-any-host --hello-timeout 0.5 --max-queue 10000 --seed 13"`);
  });
});

describe('simulate replay commands', () => {
  it('defaults', () => {
    expect((replays(sim(), 7)).join(' ')).toMatchInlineSnapshot(`"lamport-lab simulate --machines 3 --algorithm workload --duration 60 --max-tick-rate 6 --internal-max 10 --delay uniform:1-20ms --seed 7 lamport-lab simulate --machines 3 --algorithm workload --duration 60 --max-tick-rate 6 --internal-max 10 --delay uniform:1-20ms --check --seeds 1 --seed 7"`);
  });

  it('explicit options, every fault flag, a log directory', () => {
    const raw = sim({
      machines: 5,
      algorithm: 'ricart-agrawala',
      duration: 12.5,
      maxTickRate: 4,
      tickRate: 3,
      internalMax: 5,
      delay: parseDelaySpec('fixed:5ms'),
      loss: 0.1,
      partition: partitionOption('1,2|3@10s-20s', partitionOption('4|5@1s', undefined)),
      crash: faultOption('crash', false)('2@5s', undefined),
      kill: faultOption('kill', false)('3@6s', undefined),
      pause: faultOption('pause', false)('4@1s-2s', undefined),
      restart: faultOption('restart', false)('2@9s', undefined),
      connectRows: 0,
      logDir: 'my logs',
      csProbability: 0.3,
      csTicks: 1,
      failureTimeout: 2,
      injectBug: 'lamport-skip',
    });
    expect((replays(raw, 2147483646)).join(' ')).toMatchInlineSnapshot(`"lamport-lab simulate --machines 5 --algorithm ricart-agrawala --duration 12.5 --max-tick-rate 4 --tick-rate 3 --internal-max 5 --delay fixed:5ms --loss 0.1 --partition '4|5@1s' --partition '1,2|3@10s-20s' --crash 2@5s --kill 3@6s --pause 4@1s-2s --restart 2@9s --connect-rows 0 --cs-probability 0.3 --cs-ticks 1 --failure-timeout 2 --log-dir 'my logs' --seed 2147483646 lamport-lab simulate --machines 5 --algorithm ricart-agrawala --duration 12.5 --max-tick-rate 4 --tick-rate 3 --internal-max 5 --delay fixed:5ms --loss 0.1 --partition '4|5@1s' --partition '1,2|3@10s-20s' --crash 2@5s --kill 3@6s --pause 4@1s-2s --restart 2@9s --connect-rows 0 --cs-probability 0.3 --cs-ticks 1 --failure-timeout 2 --check --seeds 1 --inject-bug lamport-skip --seed 2147483646"`);
  });

  it('election options, fast ticks, exponential delay', () => {
    expect((replays(sim({ algorithm: 'election', heartbeat: 0.25, leaderTimeout: 1.5, tickRate: 500, fastTicks: true, delay: parseDelaySpec('exp:10ms'), loss: 0 }), 0)).join(' ')).toMatchInlineSnapshot(`"lamport-lab simulate --machines 3 --algorithm election --duration 60 --max-tick-rate 6 --tick-rate 500 --fast-ticks --internal-max 10 --delay exp:10ms --heartbeat 0.25 --leader-timeout 1.5 --seed 0 lamport-lab simulate --machines 3 --algorithm election --duration 60 --max-tick-rate 6 --tick-rate 500 --fast-ticks --internal-max 10 --delay exp:10ms --heartbeat 0.25 --leader-timeout 1.5 --check --seeds 1 --seed 0"`);
    expect((replays(sim({ algorithm: 'bully', machines: 1, logDir: 'logs', delay: parseDelaySpec('uniform:1s-2s') }), 99)).join(' ')).toMatchInlineSnapshot(`"lamport-lab simulate --machines 1 --algorithm bully --duration 60 --max-tick-rate 6 --internal-max 10 --delay uniform:1000-2000ms --heartbeat 1 --leader-timeout 5 --seed 99 lamport-lab simulate --machines 1 --algorithm bully --duration 60 --max-tick-rate 6 --internal-max 10 --delay uniform:1000-2000ms --heartbeat 1 --leader-timeout 5 --check --seeds 1 --seed 99"`);
  });
});
