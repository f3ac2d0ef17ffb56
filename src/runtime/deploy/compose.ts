/**
 * Pure generator of a Docker Compose deployment: one service per machine (`machine-1`, ...), each
 * running `run-machine <id>` from the project's image, peers found by service name on the compose
 * network, every machine writing its log to one shared named volume. Returns the run's config.json
 * and the compose file (YAML, see yaml.ts); writing files is the CLI's job.
 *
 * Every service starts through a small shell entrypoint ({@link ENTRYPOINT_SCRIPT}) that
 * - adds `--append` when the same container starts again (`docker kill` / crash, then
 *   `docker compose start` or `restart`): the machine continues its log and clocks; a new container
 *   (after `down`, `up --force-recreate`) starts a fresh log and run-machine archives the old one;
 * - refuses to run when its service has more than one container (`up --scale machine-1=3`): every
 *   replica would claim the same machine id and the peers would reach a random one of them.
 *   Machine ids come from service names, so the way to scale is `compose --machines N`.
 */
import type { Config } from '../../config/schema.js';
import { type YamlValue, toYaml } from './yaml.js';

/** Where the config and the logs live inside the containers (the image's WORKDIR is /app). */
export const CONTAINER_APP_DIR = '/app';
export const CONTAINER_LOG_DIR = '/app/logs';
/** Marker in the container's own filesystem: present when this container has started before. */
export const STARTED_MARKER = '/tmp/lamport-lab.started';

/**
 * The entrypoint's shell script (run as `sh -c SCRIPT lamport-lab <command...>`). Only run-machine
 * gets the checks; other commands (`docker compose run --rm machine-1 analyze ...`) pass through.
 * The replica count comes from the compose network's DNS, which answers a service name with every
 * running container of the service (the service sets no `hostname`, so /etc/hosts does not answer
 * first). Replicas starting together may each see fewer than all: some run, the others exit 2 with
 * the message; a silently duplicated id is what this prevents.
 */
export const ENTRYPOINT_SCRIPT = [
  'if [ "$1" = run-machine ]; then',
  '  n=$(getent ahostsv4 "$LAMPORT_LAB_SERVICE" 2>/dev/null | cut -d " " -f 1 | sort -u | wc -l)',
  '  if [ "$n" -gt 1 ]; then',
  '    echo "lamport-lab: error: service $LAMPORT_LAB_SERVICE has $n containers (docker compose up --scale?); machine ids come from service names, one container each: scale with lamport-lab compose --machines N" >&2',
  '    exit 2',
  '  fi',
  `  if [ -e ${STARTED_MARKER} ]; then set -- "$@" --append; echo "lamport-lab: $LAMPORT_LAB_SERVICE restarted: continuing its log (--append)" >&2; fi`,
  `  : > ${STARTED_MARKER}`,
  'fi',
  'exec node /app/bin/lamport-lab.js "$@"',
].join('\n');

/** Name of the compose secret and where compose mounts it in each container. */
export const COMPOSE_SECRET_NAME = 'lamport_lab_secret';
export const CONTAINER_SECRET_PATH = `/run/secrets/${COMPOSE_SECRET_NAME}`;

export interface ComposeOptions {
  /** Number of machines, ids 1..machines. */
  readonly machines: number;
  /** Port every machine listens on inside its own container. */
  readonly port: number;
  /** Image tag to build and run. */
  readonly image: string;
  /** Build context (the directory holding the Dockerfile), relative to the compose file's directory. */
  readonly buildContext: string;
  /** The generated config file, relative to the compose file's directory (bind-mounted read-only). */
  readonly configFile: string;
  /** The config's file name inside the container, under /app. */
  readonly configName: string;
  /** Secret file, relative to the compose file's directory: becomes a compose secret when given. */
  readonly secretFile?: string;
  /** Seconds every machine runs (run-machine --duration); forever (until `docker compose down`) when absent. */
  readonly durationSec?: number;
  /** run-machine --algorithm; the machines' default (workload) when absent. */
  readonly algorithm?: string;
}

export interface ComposeResult {
  /** The config the containers use: machine i at host `machine-i`, all on `port`. */
  readonly config: Config;
  /** The compose document as data (what `yaml` encodes). */
  readonly document: YamlValue;
  /** The compose file's text. */
  readonly yaml: string;
}

/** Compose substitutes `${VAR}` and `$VAR` in values; `$$` is a literal dollar sign. */
function literal(text: string): string {
  return text.replaceAll('$', () => '$$'); // a function: in a replacement string "$$" means one "$"
}

/** The service (and host) name of machine `id`. */
export function serviceName(id: number): string {
  return `machine-${id}`;
}

/**
 * Builds the config and compose file. Invariants: services are `machine-1`..`machine-N` in order;
 * machine i's config host is its service name, so `host:port` pairs are unique although every port is
 * the same; every service runs through the {@link ENTRYPOINT_SCRIPT} (append on restart, refuse a
 * scaled service); every string that reaches compose is `$`-escaped; no secret value appears in the output
 * (only the secret file's path). Throws RangeError on machines < 1 or a port outside 1..65535.
 */
export function generateCompose(o: ComposeOptions): ComposeResult {
  if (!Number.isSafeInteger(o.machines) || o.machines < 1) throw new RangeError(`machines must be a positive integer, got ${o.machines}`);
  if (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535) throw new RangeError(`port must be 1..65535, got ${o.port}`);
  const ids = Array.from({ length: o.machines }, (_, i) => i + 1);
  const config: Config = { machines: ids.map((id) => ({ id, host: serviceName(id), port: o.port })) };
  const configTarget = `${CONTAINER_APP_DIR}/${o.configName}`;
  const services: Record<string, YamlValue> = {};
  for (const id of ids) {
    const command = ['run-machine', String(id), '--config', configTarget, '--log-dir', CONTAINER_LOG_DIR];
    if (o.secretFile !== undefined) command.push('--secret-file', CONTAINER_SECRET_PATH);
    if (o.durationSec !== undefined) command.push('--duration', String(o.durationSec));
    if (o.algorithm !== undefined) command.push('--algorithm', o.algorithm);
    const service: Record<string, YamlValue> = {
      image: literal(o.image),
      build: { context: literal(o.buildContext) },
      init: true,
      environment: { LAMPORT_LAB_SERVICE: serviceName(id) },
      entrypoint: ['/bin/sh', '-c', ENTRYPOINT_SCRIPT, 'lamport-lab'].map(literal),
      command: command.map(literal),
      volumes: [
        { type: 'bind', source: literal(o.configFile), target: literal(configTarget), read_only: true },
        { type: 'volume', source: 'logs', target: CONTAINER_LOG_DIR },
      ],
      stop_grace_period: '10s',
    };
    if (o.secretFile !== undefined) service['secrets'] = [COMPOSE_SECRET_NAME];
    services[serviceName(id)] = service;
  }
  const document: Record<string, YamlValue> = { services, volumes: { logs: {} } };
  if (o.secretFile !== undefined) document['secrets'] = { [COMPOSE_SECRET_NAME]: { file: literal(o.secretFile) } };
  const yaml = toYaml(document, [
    `Generated by \`lamport-lab compose --machines ${o.machines}\`: one service per machine, hosts by service name.`,
    `Config: ${o.configFile} (mounted at ${configTarget}); logs: the named volume "logs" at ${CONTAINER_LOG_DIR}.`,
    'Run: docker compose up --build   (stop: Ctrl-C or docker compose down; the machines flush their logs)',
    'Scale with `lamport-lab compose --machines N`, not `up --scale`: ids come from service names (a scaled service refuses to run).',
    'A container started again (docker compose start/restart after a kill) continues its log (run-machine --append).',
  ]);
  return { config, document, yaml };
}
