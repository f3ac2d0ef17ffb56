/**
 * The start-all ⇄ run-machine IPC protocol (src/runtime/ipc.ts): both parsers accept every message
 * the two sides send and turn malformed or unknown ones into null.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { parseChildMessage, parsePackEnvelope, parseSupervisorMessage, supervisorChannel, type RawChildIpc, type SupervisorMessage } from '../../src/runtime/ipc.js';

const summary = { id: 2, tickRate: 4, seed: 17, ticks: 40, lamport: 93, maxQueue: 3, events: { INTERNAL: 20, SEND: 12 }, reason: 'duration', logPath: 'logs/log_2.csv' };

describe('parseChildMessage', () => {
  it('parses every message a machine sends', () => {
    const valid = [
      { type: 'booted' },
      { type: 'listening', id: 1, host: '127.0.0.1', port: 5001 },
      { type: 'listening', id: 1, host: '127.0.0.1', port: 0 },
      { type: 'connected', id: 1, peers: 2 },
      { type: 'ready', id: 1, peers: 2, tickRate: 3, seed: 4242 },
      { type: 'stopped', summary },
      { type: 'failed', id: 3, code: 'PORT_IN_USE', message: 'port 5003 is in use' },
      { type: 'leader', id: 2, leader: 3 },
      { type: 'leader', id: 2, leader: null },
    ];
    for (const m of valid) expect(parseChildMessage(m)).toEqual(m);
  });

  it('gives null for malformed and unknown messages', () => {
    const invalid: unknown[] = [
      null,
      undefined,
      42,
      'booted',
      [],
      {},
      { type: 'row', row: {} },
      { type: 'go' },
      { type: 'listening', id: 1, host: '127.0.0.1' },
      { type: 'listening', id: 0, host: '127.0.0.1', port: 5001 },
      { type: 'listening', id: 1, host: '127.0.0.1', port: 70000 },
      { type: 'connected', id: '1', peers: 2 },
      { type: 'ready', id: 1, peers: -1, tickRate: 3, seed: 1 },
      { type: 'stopped' },
      { type: 'stopped', summary: { ...summary, events: { SEND: 'x' } } },
      { type: 'failed', id: 3, code: 'PORT_IN_USE' },
      { type: 'leader', id: 2 },
      { type: 'leader', id: 2, leader: 1.5 },
    ];
    for (const m of invalid) expect(parseChildMessage(m), JSON.stringify(m)).toBeNull();
  });
});

describe('parseSupervisorMessage', () => {
  it('parses the start-up steps and link-faults', () => {
    expect(parseSupervisorMessage({ type: 'go' })).toEqual({ type: 'go' });
    expect(parseSupervisorMessage({ type: 'dial' })).toEqual({ type: 'dial' });
    expect(parseSupervisorMessage({ type: 'begin' })).toEqual({ type: 'begin' });
    const lf = { type: 'link-faults', blocks: [{ from: [1], to: [2, 3] }], partitions: ['1>2,3@1'] };
    expect(parseSupervisorMessage(lf)).toEqual(lf);
    expect(parseSupervisorMessage({ type: 'link-faults', blocks: [] })).toEqual({ type: 'link-faults', blocks: [], partitions: [] });
  });

  it('gives null for malformed and unknown messages', () => {
    const invalid: unknown[] = [
      null,
      undefined,
      'go',
      7,
      {},
      { type: 'GO' },
      { type: 'booted' },
      { type: 'link-faults' },
      { type: 'link-faults', blocks: [{ from: ['x'], to: [2] }] },
      { type: 'link-faults', blocks: [{ from: [1], to: [0] }] },
      { type: 'link-faults', blocks: [null] },
    ];
    for (const m of invalid) expect(parseSupervisorMessage(m), JSON.stringify(m)).toBeNull();
  });
});

describe('supervisorChannel', () => {
  /** A stand-in for Node's process with an IPC channel. */
  function fakeProcess(): RawChildIpc & EventEmitter & { sent: unknown[]; connected: boolean } {
    const p = new EventEmitter() as EventEmitter & { sent: unknown[]; connected: boolean; send: (m: unknown) => boolean; disconnect: () => void };
    p.sent = [];
    p.connected = true;
    p.send = (m) => (p.sent.push(m), true);
    p.disconnect = () => {
      p.connected = false;
    };
    return p as unknown as RawChildIpc & EventEmitter & { sent: unknown[]; connected: boolean };
  }

  it('is null without an IPC channel', () => {
    const p = new EventEmitter() as unknown as RawChildIpc;
    expect(supervisorChannel(p)).toBeNull();
  });

  it('hands only parsed messages to handlers and sends only while connected', () => {
    const p = fakeProcess();
    const ch = supervisorChannel(p)!;
    const got: SupervisorMessage[] = [];
    const off = ch.onMessage((m) => got.push(m));
    p.emit('message', { type: 'go' });
    p.emit('message', { type: 'nonsense' });
    p.emit('message', null);
    p.emit('message', { type: 'begin' });
    off();
    p.emit('message', { type: 'dial' });
    expect(got).toEqual([{ type: 'go' }, { type: 'begin' }]);
    ch.send({ type: 'booted' });
    ch.disconnect();
    expect(ch.connected).toBe(false);
    ch.send({ type: 'booted' });
    expect(p.sent).toEqual([{ type: 'booted' }]);
  });
});

describe('packed processes', () => {
  it('parse the per-machine controls and the ended report', () => {
    for (const type of ['crash', 'pause', 'resume', 'stop'] as const) expect(parseSupervisorMessage({ type })).toEqual({ type });
    expect(parseSupervisorMessage({ type: 'kill' })).toBeNull();
    const ended = { type: 'ended', id: 3, status: 0, crashed: true };
    expect(parseChildMessage(ended)).toEqual(ended);
    expect(parseChildMessage({ type: 'ended', id: 3, status: 'x', crashed: true })).toBeNull();
  });

  it('read an envelope only with a positive machine id and a msg', () => {
    expect(parsePackEnvelope({ machine: 4, msg: { type: 'go' } })).toEqual({ machine: 4, msg: { type: 'go' } });
    expect(parsePackEnvelope({ machine: 4, msg: undefined })).toEqual({ machine: 4, msg: undefined });
    for (const bad of [null, 'x', { machine: 0, msg: {} }, { machine: 1.5, msg: {} }, { machine: '4', msg: {} }, { machine: 4 }, { type: 'go' }]) {
      expect(parsePackEnvelope(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
