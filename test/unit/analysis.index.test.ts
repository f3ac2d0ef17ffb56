import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { rowsToRunLogs } from '../../src/analysis/fromRows.js';
import { checkMessagePairing } from '../../src/analysis/invariants.js';
import { accountMessages, receivedKeys } from '../../src/analysis/messages.js';
import { indexRun, parsePeers, type Run } from '../../src/analysis/run.js';
import type { RowRef } from '../../src/analysis/types.js';
import type { LogRow } from '../../src/core/logRow.js';

// The run index looks msg_ids up by number when they are canonical `<sender>-<seq>` and through a
// string map otherwise; message accounting and pairing use numeric keys. Checked here against the
// string-keyed definitions on runs mixing every kind of msg_id (duplicates, leading zeros, huge
// seqs, senders outside the layout, empty ids).

const LAYOUT = [1, 2, 3];
const MSG_IDS = ['1-1', '1-2', '2-1', '2-2', '3-1', '01-1', '1-01', '1-0', '0-1', '', 'x', '1-99999999999', '9-1', '1-2-3', '2-', '-1'];

const row = fc.record({
  event: fc.constantFrom('SEND', 'SEND', 'RECEIVE', 'RECEIVE', 'DROP', 'INTERNAL', 'START'),
  msg: fc.constantFrom(...MSG_IDS),
  peer: fc.constantFrom('', '1', '2', '3', '2;3', '1;3', '1;2', '4', '02'),
});
const runRows = fc.array(fc.array(row, { maxLength: 25 }), { minLength: 3, maxLength: 3 });

function build(machines: { event: string; msg: string; peer: string }[][]): Run {
  const rows = new Map<number, LogRow[]>();
  machines.forEach((list, k) => {
    const id = LAYOUT[k]!;
    rows.set(
      id,
      list.map((r, i) => ({
        time: 't', epoch_ms: i, machine: id, event: r.event, lamport: i + 1, vector: LAYOUT.map((j) => `${j}:0`).join(';'),
        queue_len: 0, peer: r.peer, msg_id: r.msg, detail: '',
      })),
    );
  });
  return indexRun(rowsToRunLogs(rows, LAYOUT));
}

/** The definitions by string keys: first SEND per msg_id, later ones duplicates. */
function reference(run: Run): { sends: Map<string, RowRef>; duplicates: RowRef[] } {
  const sends = new Map<string, RowRef>();
  const duplicates: RowRef[] = [];
  run.machines.forEach((log, m) =>
    log.rows.forEach((r, i) => {
      if (r.event !== 'SEND') return;
      if (sends.has(r.msgId)) duplicates.push({ m, i });
      else sends.set(r.msgId, { m, i });
    }),
  );
  return { sends, duplicates };
}

/** message-pairing with the string-keyed `seen` set it had before the numeric index. */
function receivedTwiceByString(run: Run): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const ref = reference(run).sends;
  run.machines.forEach((log, m) =>
    log.rows.forEach((r, i) => {
      if (r.event !== 'RECEIVE' || r.msgId === '' || !ref.has(r.msgId)) return;
      const s = ref.get(r.msgId)!;
      const sr = run.machines[s.m]!.rows[s.i]!;
      const key = `${r.msgId}>${log.machine}`;
      if (String(run.machines[s.m]!.machine) === r.peer && sr.peer.split(';').includes(String(log.machine)) && seen.has(key)) out.push(`${log.file}:${log.rows[i]!.line}`);
      seen.add(key);
    }),
  );
  return out;
}

describe('run index by number = the string-keyed definitions', () => {
  it('SEND lookups, duplicates, pairing, received copies and accounting (property)', () => {
    fc.assert(
      fc.property(runRows, (machines) => {
        const run = build(machines);
        const ref = reference(run);
        expect([...run.sends.entries()]).toEqual([...ref.sends.entries()]);
        expect(run.duplicateSends).toEqual(ref.duplicates);
        run.machines.forEach((log, m) =>
          log.rows.forEach((r, i) => {
            const s = r.event === 'RECEIVE' && r.msgId !== '' ? ref.sends.get(r.msgId) : undefined;
            expect([run.pairedSendM[m]![i], run.pairedSendI[m]![i]]).toEqual(s ? [s.m, s.i] : [-1, -1]);
          }),
        );
        // accounting through the index = accounting through `${msgId}>${to}` keys
        expect(accountMessages(run)).toEqual(accountMessages(run, receivedKeys(run)));
        // every copy key of every SEND, both ways
        const keys = receivedKeys(run);
        run.machines.forEach((log, m) =>
          log.rows.forEach((r, i) => {
            if (r.event !== 'SEND') return;
            for (const to of parsePeers(r.peer)) {
              const idx = run.machineIndex.get(to);
              const g = run.firstSendOf[m]![i]!;
              expect(idx !== undefined && run.receivedCopies.has(g, idx)).toBe(keys.has(`${r.msgId}>${to}`));
            }
          }),
        );
        // "received twice" findings of message-pairing
        const twice = checkMessagePairing(run).examples.filter((e) => e.message.includes('received twice')).map((e) => e.where);
        expect(twice).toEqual(receivedTwiceByString(run).slice(0, twice.length));
      }),
      { numRuns: 500 },
    );
  });
});
