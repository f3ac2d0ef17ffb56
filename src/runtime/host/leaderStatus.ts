/**
 * The election's status for start-all: a row hook that reports, over IPC, whom this machine
 * follows: on LEADER rows the new leader, on LEADER_LOST and START none. start-all's fault injector
 * uses the reports to resolve `--kill leader@S`. Works with any algorithm that logs LEADER rows
 * with `leader=<id>`; for the others it never reports.
 */
import { detailValue, type LogRow } from '../../core/logRow.js';
import type { MachineId } from '../../core/types.js';
import type { LeaderReport } from '../ipc.js';

/** A hook calling `report` on every change of leader. Invariant: never throws on odd rows. */
export function leaderStatusHook(self: MachineId, report: (msg: LeaderReport) => void): (row: LogRow) => void {
  return (row) => {
    if (row.event === 'LEADER') {
      const leader = Number(detailValue(row.detail, 'leader'));
      if (Number.isInteger(leader) && leader > 0) report({ type: 'leader', id: self, leader });
    } else if (row.event === 'LEADER_LOST' || row.event === 'START') {
      report({ type: 'leader', id: self, leader: null });
    }
  };
}
