import { describe, it, expect } from 'vitest';
import { makeLayout } from '../../src/core/vector.js';
import {
  computeProof,
  decodeFrame,
  denseVector,
  encodeChallenge,
  encodeHello,
  encodeKnock,
  encodeMsg,
  encodeWelcome,
  makeNonce,
  verifyProof,
  wireVector,
  type DecodeResult,
} from '../../src/runtime/net/protocol.js';
import { Backoff, DEFAULT_BACKOFF, backoffDelay, baseDelay } from '../../src/runtime/net/backoff.js';

const layout = makeLayout([3, 1, 2]);
const line = (obj: unknown): string => JSON.stringify(obj);
const lineOf = (frame: Buffer): string => {
  expect(frame.at(-1)).toBe(0x0a);
  return frame.subarray(0, -1).toString('utf8');
};

function rejection(result: DecodeResult): string {
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.reason;
}

const goodMsg = { type: 'msg', id: '1-17', from: 1, lamport: 12, vector: { '1': 4, '2': 0, '3': 7 }, body: { k: 'v' } };

describe('decodeFrame', () => {
  it('decodes each frame type', () => {
    const nonce = makeNonce();
    expect(decodeFrame(lineOf(encodeChallenge(nonce)), layout)).toEqual({ ok: true, frame: { type: 'challenge', nonce } });
    expect(decodeFrame(lineOf(encodeHello(2)), layout)).toEqual({ ok: true, frame: { type: 'hello', from: 2 } });
    expect(decodeFrame(lineOf(encodeHello(2, 'ab')), layout)).toEqual({ ok: true, frame: { type: 'hello', from: 2, proof: 'ab' } });
    expect(decodeFrame(lineOf(encodeWelcome(3)), layout)).toEqual({ ok: true, frame: { type: 'welcome', from: 3 } });
    expect(decodeFrame(lineOf(encodeHello(2, 'ab', nonce)), layout)).toEqual({ ok: true, frame: { type: 'hello', from: 2, nonce, proof: 'ab' } });
    expect(decodeFrame(lineOf(encodeWelcome(3, 'cd')), layout)).toEqual({ ok: true, frame: { type: 'welcome', from: 3, proof: 'cd' } });
    expect(decodeFrame(lineOf(encodeKnock(3)), layout)).toEqual({ ok: true, frame: { type: 'knock', from: 3 } });
    expect(decodeFrame(line({ type: 'hello', from: 2, nonce: 'XYZ' }), layout)).toMatchObject({ ok: false, reason: 'bad_schema' });
    expect(decodeFrame(line({ type: 'knock' }), layout)).toMatchObject({ ok: false, reason: 'bad_schema' });
    expect(decodeFrame(line(goodMsg), layout)).toEqual({
      ok: true,
      frame: { type: 'msg', envelope: { id: '1-17', from: 1, lamport: 12, vector: [4, 0, 7], body: { k: 'v' } } },
    });
  });

  it('round-trips an envelope through encodeMsg, turning the dense vector into an object and back', () => {
    const env = { id: '2-5', from: 2, lamport: 9, vector: [1, 5, 0], body: [1, 'two', { three: null }] };
    const wire = JSON.parse(lineOf(encodeMsg(env, layout)));
    expect(wire.vector).toEqual({ '1': 1, '2': 5, '3': 0 });
    expect(decodeFrame(lineOf(encodeMsg(env, layout)), layout)).toEqual({ ok: true, frame: { type: 'msg', envelope: env } });
  });

  it('sends an undefined body as null and accepts null bodies', () => {
    const env = { id: '2-1', from: 2, lamport: 1, vector: [0, 1, 0], body: undefined };
    const decoded = decodeFrame(lineOf(encodeMsg(env, layout)), layout);
    expect(decoded.ok && decoded.frame.type === 'msg' && decoded.frame.envelope.body).toBeNull();
  });

  it('rejects text that is not JSON', () => {
    expect(rejection(decodeFrame('', layout))).toBe('invalid_json');
    expect(rejection(decodeFrame('{"type":"msg"', layout))).toBe('invalid_json');
    expect(rejection(decodeFrame('garbage', layout))).toBe('invalid_json');
  });

  it('rejects JSON that is not a typed object', () => {
    expect(rejection(decodeFrame('[1,2]', layout))).toBe('not_a_frame');
    expect(rejection(decodeFrame('null', layout))).toBe('not_a_frame');
    expect(rejection(decodeFrame('"hello"', layout))).toBe('not_a_frame');
    expect(rejection(decodeFrame('{"from":1}', layout))).toBe('not_a_frame');
    expect(rejection(decodeFrame('{"type":7}', layout))).toBe('not_a_frame');
  });

  it('rejects unknown types, including prototype names', () => {
    expect(rejection(decodeFrame('{"type":"ping"}', layout))).toBe('unknown_type');
    expect(rejection(decodeFrame('{"type":"__proto__"}', layout))).toBe('unknown_type');
    expect(rejection(decodeFrame('{"type":"toString"}', layout))).toBe('unknown_type');
  });

  it.each([
    ['challenge without nonce', { type: 'challenge' }],
    ['challenge with short nonce', { type: 'challenge', nonce: 'abcd' }],
    ['challenge with upper-case nonce', { type: 'challenge', nonce: 'A'.repeat(32) }],
    ['hello without from', { type: 'hello' }],
    ['hello with string from', { type: 'hello', from: '2' }],
    ['hello with zero from', { type: 'hello', from: 0 }],
    ['hello with fractional from', { type: 'hello', from: 1.5 }],
    ['hello with numeric proof', { type: 'hello', from: 2, proof: 5 }],
    ['welcome with negative from', { type: 'welcome', from: -1 }],
    ['msg without body', { ...goodMsg, body: undefined }],
    ['msg without id', { ...goodMsg, id: undefined }],
    ['msg with malformed id', { ...goodMsg, id: '17' }],
    ['msg whose id names another sender', { ...goodMsg, id: '2-17' }],
    ['msg with negative lamport', { ...goodMsg, lamport: -1 }],
    ['msg with fractional lamport', { ...goodMsg, lamport: 1.5 }],
    ['msg with string lamport', { ...goodMsg, lamport: '12' }],
    ['msg without vector', { ...goodMsg, vector: undefined }],
  ])('rejects %s as bad_schema', (_name, frame) => {
    expect(rejection(decodeFrame(line(frame), layout))).toBe('bad_schema');
  });

  it.each([
    ['an unknown id', { '1': 4, '2': 0, '3': 7, '9': 1 }],
    ['a missing id', { '1': 4, '2': 0 }],
    ['a non-canonical id', { '01': 4, '2': 0, '3': 7 }],
    ['a negative count', { '1': -1, '2': 0, '3': 7 }],
    ['a fractional count', { '1': 0.5, '2': 0, '3': 7 }],
    ['a string count', { '1': '4', '2': 0, '3': 7 }],
    ['an array', [4, 0, 7]],
    ['a number', 5],
  ])('rejects a vector with %s as bad_vector', (_name, vector) => {
    expect(rejection(decodeFrame(line({ ...goodMsg, vector }), layout))).toBe('bad_vector');
  });

  it('rejects a "__proto__" vector key instead of ignoring it', () => {
    const text = '{"type":"msg","id":"1-1","from":1,"lamport":1,"vector":{"1":1,"2":0,"3":0,"__proto__":{"x":1}},"body":1}';
    expect(rejection(decodeFrame(text, layout))).toBe('bad_vector');
  });

  it('ignores unknown extra fields', () => {
    const decoded = decodeFrame(line({ type: 'welcome', from: 2, extra: true }), layout);
    expect(decoded).toEqual({ ok: true, frame: { type: 'welcome', from: 2 } });
  });

  it('survives a deeply nested body within 64 KiB without recursion trouble', () => {
    const depth = 30000;
    const body = '['.repeat(depth) + ']'.repeat(depth);
    const text = `{"type":"msg","id":"1-1","from":1,"lamport":1,"vector":{"1":1,"2":0,"3":0},"body":${body}}`;
    expect(text.length).toBeLessThan(65536);
    const decoded = decodeFrame(text, layout);
    expect(decoded.ok).toBe(true);
    const unbalanced = decodeFrame('['.repeat(65000), layout);
    expect(rejection(unbalanced)).toBe('invalid_json');
  });
});

describe('vector conversion', () => {
  it('maps dense arrays to id-keyed objects in layout order and back', () => {
    expect(layout.ids).toEqual([1, 2, 3]);
    expect(wireVector([4, 0, 7], layout)).toEqual({ '1': 4, '2': 0, '3': 7 });
    expect(denseVector({ '3': 7, '1': 4, '2': 0 }, layout)).toEqual([4, 0, 7]);
  });

  it('handles non-contiguous ids', () => {
    const sparse = makeLayout([10, 2, 7]);
    expect(wireVector([1, 2, 3], sparse)).toEqual({ '2': 1, '7': 2, '10': 3 });
    expect(denseVector({ '2': 1, '7': 2, '10': 3 }, sparse)).toEqual([1, 2, 3]);
    expect(typeof denseVector({ '2': 1, '7': 2, '3': 3 }, sparse)).toBe('string');
  });
});

describe('proofs', () => {
  const secret = Buffer.from('correct horse battery staple');
  const nonce = makeNonce();

  it('makes 32-hex-digit nonces that differ', () => {
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(makeNonce()).not.toBe(nonce);
  });

  it('is HMAC-SHA256 over nonce:from:to', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', secret).update(`${nonce}:2:1`).digest('hex');
    expect(computeProof(secret, nonce, 2, 1)).toBe(expected);
  });

  it('verifies the right proof and rejects every variation', () => {
    const proof = computeProof(secret, nonce, 2, 1);
    expect(verifyProof(secret, nonce, 2, 1, proof)).toBe(true);
    expect(verifyProof(secret, nonce, 2, 1, proof.toUpperCase())).toBe(true);
    expect(verifyProof(secret, nonce, 3, 1, proof)).toBe(false); // other sender
    expect(verifyProof(secret, nonce, 2, 3, proof)).toBe(false); // other receiver
    expect(verifyProof(secret, makeNonce(), 2, 1, proof)).toBe(false); // replay on another connection
    expect(verifyProof(Buffer.from('other'), nonce, 2, 1, proof)).toBe(false);
    expect(verifyProof(secret, nonce, 2, 1, undefined)).toBe(false);
    expect(verifyProof(secret, nonce, 2, 1, proof.slice(0, 63))).toBe(false);
    expect(verifyProof(secret, nonce, 2, 1, 'zz' + proof.slice(2))).toBe(false);
    const flipped = (proof[0] === '0' ? '1' : '0') + proof.slice(1);
    expect(verifyProof(secret, nonce, 2, 1, flipped)).toBe(false);
  });

  it('keeps hello and welcome proofs apart: neither verifies as the other', () => {
    const secret = Buffer.from('lab secret');
    const nonce = makeNonce();
    const hello = computeProof(secret, nonce, 1, 2);
    const welcome = computeProof(secret, nonce, 1, 2, 'welcome');
    expect(welcome).not.toBe(hello);
    expect(verifyProof(secret, nonce, 1, 2, welcome, 'welcome')).toBe(true);
    expect(verifyProof(secret, nonce, 1, 2, hello, 'welcome')).toBe(false);
    expect(verifyProof(secret, nonce, 1, 2, welcome)).toBe(false);
  });
});

describe('backoff', () => {
  it('grows exponentially from the initial delay and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((a) => baseDelay(a))).toEqual([50, 100, 200, 400, 800, 1600, 3200, 6400, 8000]);
    expect(baseDelay(10_000)).toBe(DEFAULT_BACKOFF.maxMs);
  });

  it('jitters within [base * (1 - jitter), base] using the injected random source', () => {
    expect(backoffDelay(3, () => 0)).toBe(200);
    expect(backoffDelay(3, () => 0.999999)).toBe(400);
    expect(backoffDelay(3, () => 0.5)).toBe(300);
    const full = { ...DEFAULT_BACKOFF, jitter: 1 };
    expect(backoffDelay(3, () => 0, full)).toBe(0);
    const none = { ...DEFAULT_BACKOFF, jitter: 0 };
    expect(backoffDelay(3, () => 0.3, none)).toBe(400);
  });

  it('counts attempts and resets after success', () => {
    const backoff = new Backoff(() => 0.999999, { initialMs: 10, maxMs: 35 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([10, 20, 35, 35]);
    expect(backoff.attempts).toBe(4);
    backoff.reset();
    expect(backoff.next()).toBe(10);
  });

  it('rejects nonsense options', () => {
    expect(() => new Backoff(Math.random, { factor: 0.5 })).toThrow(RangeError);
    expect(() => new Backoff(Math.random, { jitter: 2 })).toThrow(RangeError);
    expect(() => new Backoff(Math.random, { initialMs: 100, maxMs: 10 })).toThrow(RangeError);
  });
});
