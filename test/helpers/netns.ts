/**
 * Linux network namespaces as separate hosts for tests: a star of veth links on a bridge that lives
 * in its own hub namespace, so nothing is added to the host's own network (no interface, route or
 * address appears outside the namespaces). Hosts get addresses in the documentation range
 * 192.0.2.0/24 (RFC 5737). Names are unique per run; destroy() removes every namespace it made and
 * kills every process it started.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';

const IP = 'ip';

function ip(args: string[]): string {
  return execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

function stderrOf(e: unknown): string {
  const err = e as { stderr?: Buffer | string; message?: string };
  return String(err.stderr ?? '').trim() || String(err.message ?? e);
}

/** Whether namespaces can be made here; when not, why (for a printed skip reason). */
export function netnsAvailability(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: `creating network namespaces needs root (uid is ${process.getuid?.()})` };
  try {
    ip(['-V']);
  } catch (e) {
    return { ok: false, reason: `iproute2's "ip" is not available: ${stderrOf(e)}` };
  }
  const probe = `llprobe-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    ip(['netns', 'add', probe]);
  } catch (e) {
    return { ok: false, reason: `"ip netns add" fails here: ${stderrOf(e)}` };
  }
  try {
    ip(['-n', probe, 'link', 'add', 'probe0', 'type', 'veth', 'peer', 'name', 'probe1']);
  } catch (e) {
    return { ok: false, reason: `veth links cannot be created in a namespace here: ${stderrOf(e)}` };
  } finally {
    try {
      ip(['netns', 'del', probe]);
    } catch {
      /* reported by the next run's probe if it persists */
    }
  }
  return { ok: true };
}

export interface NetnsHost {
  /** Namespace name (for `ip netns exec`). */
  readonly ns: string;
  /** IPv4 address of its eth0 (in 192.0.2.0/24). */
  readonly address: string;
}

type Proc = ResultPromise<{ reject: false; all: true }>;

/** A process started inside a namespace, with its output lines and a waiter like test/helpers/cli.ts's. */
export interface NsProcess {
  readonly proc: Proc;
  readonly lines: string[];
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
}

/** A set of namespaces joined by a bridge. */
export class NetnsStar {
  readonly hub: string;
  readonly hosts: NetnsHost[] = [];
  private readonly created: string[] = [];
  private readonly procs = new Set<Proc>();

  /**
   * Creates the hub (with bridge br0) and `count` hosts at 192.0.2.<firstOctet + i>. On any failure
   * it removes what it made and rethrows. Requires netnsAvailability().ok.
   */
  constructor(count: number, firstOctet = 11) {
    const prefix = `ll${process.pid}-${randomBytes(3).toString('hex')}`;
    this.hub = `${prefix}-hub`;
    try {
      this.addNs(this.hub);
      ip(['-n', this.hub, 'link', 'set', 'lo', 'up']);
      ip(['-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge']);
      ip(['-n', this.hub, 'link', 'set', 'br0', 'up']);
      for (let i = 0; i < count; i++) this.addHost(`${prefix}-h${i + 1}`, `192.0.2.${firstOctet + i}`, `v${i + 1}`);
    } catch (e) {
      this.destroy();
      throw new Error(`creating namespaces failed: ${stderrOf(e)}`, { cause: e });
    }
  }

  /** Adds one more host on the bridge (e.g. a stranger) and returns it. */
  addHost(ns: string, address: string, hubEnd = `v${this.hosts.length + 1}`): NetnsHost {
    this.addNs(ns);
    // the host's end is created straight inside its namespace; the hub's end stays in the hub
    ip(['-n', this.hub, 'link', 'add', hubEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    ip(['-n', this.hub, 'link', 'set', hubEnd, 'master', 'br0']);
    ip(['-n', this.hub, 'link', 'set', hubEnd, 'up']);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
    const host = { ns, address };
    this.hosts.push(host);
    return host;
  }

  /** Runs `command args` inside namespace `ns` (ip netns exec execs it: the pid is the command's). */
  spawn(ns: string, command: string, args: string[], cwd: string): NsProcess {
    const proc = execa(IP, ['netns', 'exec', ns, command, ...args], { cwd, reject: false, all: true, env: { NO_COLOR: '1' } }) as unknown as Proc;
    this.procs.add(proc);
    void proc.finally(() => this.procs.delete(proc));
    const lines: string[] = [];
    const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
    let partial = '';
    proc.all?.setEncoding('utf8');
    proc.all?.on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        for (const w of [...waiters]) if (w.re.test(l)) waiters.splice(waiters.indexOf(w), 1), w.resolve(l);
      }
    });
    const waitFor = (re: RegExp, timeoutMs = 20_000): Promise<string> => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`[${ns}] timed out waiting for ${re}; output:\n${lines.slice(-20).join('\n')}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => (clearTimeout(timer), resolve(l)) });
        void proc.then(() =>
          setTimeout(() => {
            clearTimeout(timer);
            const late = lines.find((l) => re.test(l));
            if (late) resolve(late);
            else reject(new Error(`[${ns}] process ended before ${re}; output:\n${lines.slice(-20).join('\n')}`));
          }, 50),
        );
      });
    };
    return { proc, lines, waitFor };
  }

  /** Kills every process started here (SIGKILL) and waits for them. */
  async killAll(): Promise<void> {
    const procs = [...this.procs];
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs);
  }

  /** Deletes every namespace made here (their veths go with them). Idempotent; never throws. */
  destroy(): string[] {
    const failed: string[] = [];
    for (const ns of this.created.splice(0).reverse()) {
      try {
        ip(['netns', 'del', ns]);
      } catch (e) {
        failed.push(`${ns}: ${stderrOf(e)}`);
      }
    }
    return failed;
  }

  /** Namespaces of this star that still exist (should be none after destroy()). */
  leftovers(): string[] {
    const prefix = this.hub.slice(0, -'-hub'.length);
    return ip(['netns', 'list'])
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(prefix));
  }

  private addNs(ns: string): void {
    ip(['netns', 'add', ns]);
    this.created.push(ns);
  }
}
