/**
 * The zod schema of config.json: the machines (id, host, port, optional rank) and optional defaults
 * for command-line options. Ids and host:port pairs are unique; command-line options override defaults.
 */
import { z } from 'zod/v3';

export const machineEntrySchema = z
  .object({
    id: z.number().int().positive(),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    /** Election rank; distinct random ranks are drawn from the seed when absent. */
    rank: z.number().int().optional(),
  })
  .strict();

/** Defaults for command-line options; every key mirrors a flag in camelCase (--max-tick-rate → maxTickRate). */
export const defaultsSchema = z
  .object({
    algorithm: z.string().min(1),
    maxTickRate: z.number().int().min(1).max(6),
    minTickRate: z.number().int().min(1).max(6),
    tickRate: z.number().int().min(1),
    internalMax: z.number().int().min(1),
    logDir: z.string().min(1),
    stagger: z.number().int().min(0),
    csProbability: z.number().min(0).max(1),
    csTicks: z.number().int().min(1),
    sharedFile: z.string().min(1),
    failureTimeout: z.number().positive(),
    heartbeat: z.number().positive(),
    leaderTimeout: z.number().positive(),
    maxQueue: z.number().int().min(1),
  })
  .partial()
  .strict();

export const configSchema = z
  .object({
    machines: z.array(machineEntrySchema).min(1),
    defaults: defaultsSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const ids = new Map<number, number>();
    const addrs = new Map<string, number>();
    cfg.machines.forEach((m, i) => {
      const prev = ids.get(m.id);
      if (prev !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['machines', i, 'id'], message: `duplicate id ${m.id} (also machines[${prev}])` });
      } else ids.set(m.id, i);
      const addr = `${m.host}:${m.port}`;
      const prevAddr = addrs.get(addr);
      if (prevAddr !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['machines', i, 'port'], message: `duplicate address ${addr} (also machines[${prevAddr}])` });
      } else addrs.set(addr, i);
    });
  });

export type MachineEntry = z.infer<typeof machineEntrySchema>;
export type ConfigDefaults = z.infer<typeof defaultsSchema>;
/** A validated config. Invariant: ids unique and positive, host:port pairs unique, at least one machine. */
export type Config = z.infer<typeof configSchema>;
