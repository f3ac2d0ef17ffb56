/**
 * Human-readable output of a machine: one concise line per event on stdout, coloured only on a TTY
 * and never when NO_COLOR is set (https://no-color.org).
 */
import { styleText } from 'node:util';
import type { LogRow } from '../../core/logRow.js';

type Style = Parameters<typeof styleText>[0];

/** Whether to colour a stream: a TTY, and NO_COLOR unset or empty. */
export function useColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env['NO_COLOR'];
}

const EVENT_STYLE: Record<string, Style> = {
  SEND: 'cyan',
  RECEIVE: 'green',
  INTERNAL: 'gray',
  DROP: 'yellow',
  ERROR: 'red',
  START: 'bold',
  READY: 'bold',
  STOP: 'bold',
};

/** Formats a row as one line, e.g. `m1 L=12 SEND → 2;3 1-4 q=0`. */
export function formatEventLine(row: LogRow, colour: boolean): string {
  const paint = (style: Style, text: string): string => (colour ? styleText(style, text) : text);
  const arrow = row.event === 'RECEIVE' ? ' ← ' : row.peer ? ' → ' : '';
  const parts = [
    paint('bold', `m${row.machine}`),
    `L=${row.lamport}`,
    paint(EVENT_STYLE[row.event] ?? 'magenta', row.event.padEnd(8)) + (row.peer ? `${arrow}${row.peer}` : ''),
  ];
  if (row.msg_id) parts.push(row.msg_id);
  parts.push(`q=${row.queue_len}`);
  if (row.detail) parts.push(paint('dim', row.detail));
  parts.push(paint('dim', `[${row.vector}]`));
  return parts.join(' ');
}
