/**
 * The wire protocol's frames (ARCHITECTURE.md, "Wire protocol"), their zod schemas, encoders and a
 * decoder that turns one line into a typed frame or a typed rejection reason.
 *
 * One connection per pair of machines carries messages both ways; the machine later in the config
 * dials the earlier one:
 *   listener → dialer  `{"type":"challenge","nonce":"<32 hex>"}`
 *   dialer → listener  `{"type":"hello","from":2,"nonce":"<32 hex>","proof":"<64 hex>"}`   (proof iff a secret is set)
 *   listener → dialer  `{"type":"welcome","from":1,"proof":"<64 hex>"}`   (proof iff a secret is set)
 *   both ways          `{"type":"msg","id":"2-17","from":2,"lamport":12,"vector":{"1":4,"2":9},"body":...}`
 * The hello's proof answers the listener's nonce, the welcome's proof the dialer's (so each side
 * authenticates the other). A machine that starts while a later peer may be waiting out a redial
 * back-off tells it to dial now: it connects and answers the challenge with
 *   `{"type":"knock","from":1}`   and closes (a knock carries no authority: it only makes a dial sooner).
 * On the wire a vector is an object id → count; in the core it is dense, aligned with a VectorLayout.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod/v3';
import type { Envelope, MachineId } from '../../core/types.js';
import type { VectorLayout } from '../../core/vector.js';
import { encodeFrame } from './framer.js';

/** Why a line was not accepted as a frame. */
export type RejectReason =
  /** Not parseable as JSON. */
  | 'invalid_json'
  /** JSON, but not an object with a string `type`. */
  | 'not_a_frame'
  /** An object whose `type` is not one this protocol knows. */
  | 'unknown_type'
  /** A known type whose fields do not match its schema. */
  | 'bad_schema'
  /** A msg whose vector names an id outside the layout, lacks one, or holds a bad count. */
  | 'bad_vector';

/** Every frame type, in handshake order. */
export const FRAME_TYPES = ['challenge', 'hello', 'welcome', 'msg', 'knock'] as const;
export type FrameType = (typeof FRAME_TYPES)[number];

const machineId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/**
 * Largest clock count accepted from the wire: 2^48, far above any real run (centuries at 10 000
 * ticks/s) and far below 2^53, so a peer sending a huge count cannot push a receiver's clock to where
 * `+1` no longer changes a double (at 2^53 the clock would freeze and break the +1 rule).
 */
export const MAX_WIRE_COUNT = 2 ** 48;
const count = z.number().int().min(0).max(MAX_WIRE_COUNT);
const nonce = z.string().regex(/^[0-9a-f]{32}$/, 'nonce must be 32 lower-case hex digits');

/** Schemas of the frames as they are on the wire (unknown extra fields are ignored, for evolution). */
export const challengeFrameSchema = z.object({
  type: z.literal('challenge'),
  nonce,
});

export const helloFrameSchema = z.object({
  type: z.literal('hello'),
  from: machineId,
  /** The dialer's challenge to the listener (its welcome proves it knows the secret). */
  nonce: nonce.optional(),
  // Format is checked by verifyProof, so a malformed proof is reported as a bad proof.
  proof: z.string().max(256).optional(),
});

export const welcomeFrameSchema = z.object({
  type: z.literal('welcome'),
  from: machineId,
  proof: z.string().max(256).optional(),
});

export const knockFrameSchema = z.object({
  type: z.literal('knock'),
  from: machineId,
});

export const msgFrameSchema = z
  .object({
    type: z.literal('msg'),
    id: z.string().regex(/^[1-9][0-9]{0,15}-[0-9]{1,16}$/, 'id must be <from>-<seq>'),
    from: machineId,
    lamport: count,
    // Checked by denseVector over the parsed object's own keys (not via z.record, which would
    // rebuild the object and could treat a "__proto__" key specially).
    // (zod v3 treats a missing z.unknown() key as valid: require presence explicitly)
    vector: z.unknown().refine((v) => v !== undefined, 'vector is required'),
    body: z.unknown(),
  })
  .refine((f) => f.id.slice(0, f.id.indexOf('-')) === String(f.from), {
    message: 'id must start with <from>-',
    path: ['id'],
  });

export type ChallengeFrame = z.infer<typeof challengeFrameSchema>;
export type HelloFrame = z.infer<typeof helloFrameSchema>;
export type WelcomeFrame = z.infer<typeof welcomeFrameSchema>;
export type KnockFrame = z.infer<typeof knockFrameSchema>;

/** A decoded msg frame: the envelope, its vector already dense in the layout. */
export interface MsgFrame {
  readonly type: 'msg';
  readonly envelope: Envelope<unknown>;
}

/** Any decoded frame. */
export type Frame = ChallengeFrame | HelloFrame | WelcomeFrame | KnockFrame | MsgFrame;

/** Result of {@link decodeFrame}: a frame, or why not (with a short human explanation). */
export type DecodeResult =
  | { readonly ok: true; readonly frame: Frame }
  | { readonly ok: false; readonly reason: RejectReason; readonly message: string };

function reject(reason: RejectReason, message: string): DecodeResult {
  return { ok: false, reason, message };
}

/** First zod issue as `path: message`, bounded in length (it ends up in a log row). */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'schema mismatch';
  const path = issue.path.map(String).join('.');
  return (path ? `${path}: ${issue.message}` : issue.message).slice(0, 120);
}

/**
 * Decodes one line into a frame. Never throws. `layout` is the run's vector layout; a msg's vector
 * must have exactly one non-negative integer count for each id of the layout and nothing else.
 * Nothing here recurses over the payload (JSON.parse is iterative in V8 and `body` is not walked),
 * so a deeply nested body cannot exhaust the stack.
 */
export function decodeFrame(line: string, layout: VectorLayout): DecodeResult {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return reject('invalid_json', 'not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return reject('not_a_frame', 'frame is not a JSON object');
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') return reject('not_a_frame', 'frame has no string "type"');
  switch (type) {
    case 'challenge':
      return parseWith(challengeFrameSchema, raw);
    case 'hello':
      return parseWith(helloFrameSchema, raw);
    case 'welcome':
      return parseWith(welcomeFrameSchema, raw);
    case 'knock':
      return parseWith(knockFrameSchema, raw);
    case 'msg': {
      if (!Object.prototype.hasOwnProperty.call(raw, 'body')) return reject('bad_schema', 'body: required');
      const parsed = msgFrameSchema.safeParse(raw);
      if (!parsed.success) return reject('bad_schema', describeIssue(parsed.error));
      const f = parsed.data;
      const vector = denseVector(f.vector, layout);
      if (typeof vector === 'string') return reject('bad_vector', vector);
      return { ok: true, frame: { type: 'msg', envelope: { id: f.id, from: f.from, lamport: f.lamport, vector, body: f.body } } };
    }
    default:
      return reject('unknown_type', `unknown frame type "${type.slice(0, 32)}"`);
  }
}

function parseWith(schema: z.ZodType<ChallengeFrame | HelloFrame | WelcomeFrame | KnockFrame>, raw: unknown): DecodeResult {
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, frame: parsed.data } : reject('bad_schema', describeIssue(parsed.error));
}

/**
 * Wire vector (object id → count) to dense vector in `layout`, or a string saying what is wrong.
 * Invariant of a returned array: same length as `layout.ids`, every entry a non-negative safe integer.
 */
export function denseVector(wire: unknown, layout: VectorLayout): number[] | string {
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) return 'vector is not an object';
  const entries = wire as Record<string, unknown>;
  const dense = new Array<number>(layout.ids.length).fill(-1);
  for (const key of Object.keys(entries)) {
    const id = Number(key);
    const index = String(id) === key ? layout.index.get(id) : undefined;
    if (index === undefined) return `vector names unknown machine "${key.slice(0, 20)}"`;
    const value = entries[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_WIRE_COUNT) {
      return `vector count for ${key} is not an integer in 0..2^48`;
    }
    dense[index] = value;
  }
  const missing = dense.indexOf(-1);
  if (missing !== -1) return `vector lacks machine ${layout.ids[missing]}`;
  return dense;
}

/** Dense vector in `layout` to the wire object id → count. Requires `dense.length === layout.ids.length`. */
export function wireVector(dense: readonly number[], layout: VectorLayout): Record<string, number> {
  const out: Record<string, number> = {};
  const ids = layout.ids;
  for (let i = 0; i < ids.length; i++) out[ids[i]!] = dense[i] ?? 0;
  return out;
}

/** A fresh challenge nonce: 16 random bytes as 32 lower-case hex digits. */
export function makeNonce(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Who proves: the dialer in its hello (`hello`, answering the listener's challenge) or the listener
 * in its welcome (`welcome`, answering the nonce of the hello). The two are told apart in the MAC,
 * so a proof made for one can never be passed off as the other.
 */
export type ProofRole = 'hello' | 'welcome';

function proofText(role: ProofRole, nonce: string, from: MachineId, to: MachineId): string {
  return role === 'hello' ? `${nonce}:${from}:${to}` : `welcome:${nonce}:${from}:${to}`;
}

/**
 * The proof of `from` answering `nonce` on a connection with `to`, as 64 lower-case hex digits:
 * `HMAC-SHA256(secret, nonce:from:to)` in a hello, `HMAC-SHA256(secret, welcome:nonce:from:to)` in a welcome.
 */
export function computeProof(secret: Buffer, nonce: string, from: MachineId, to: MachineId, role: ProofRole = 'hello'): string {
  return createHmac('sha256', secret).update(proofText(role, nonce, from, to)).digest('hex');
}

/**
 * True iff `proof` is the proof of `from` answering `nonce` on a connection to `to`. The comparison
 * of the MACs is constant-time; a missing or malformed proof is simply false.
 */
export function verifyProof(
  secret: Buffer,
  nonce: string,
  from: MachineId,
  to: MachineId,
  proof: string | undefined,
  role: ProofRole = 'hello',
): boolean {
  if (typeof proof !== 'string' || !/^[0-9a-fA-F]{64}$/.test(proof)) return false;
  const expected = createHmac('sha256', secret).update(proofText(role, nonce, from, to)).digest();
  return timingSafeEqual(expected, Buffer.from(proof, 'hex'));
}

/** The challenge frame, encoded. */
export function encodeChallenge(nonce: string): Buffer {
  return encodeFrame({ type: 'challenge', nonce });
}

/** The hello frame, encoded; `nonce` (the dialer's challenge to the listener) and `proof` are omitted when undefined. */
export function encodeHello(from: MachineId, proof?: string, nonce?: string): Buffer {
  return encodeFrame({ type: 'hello', from, ...(nonce === undefined ? {} : { nonce }), ...(proof === undefined ? {} : { proof }) });
}

/** The welcome frame, encoded; `proof` is omitted when undefined. */
export function encodeWelcome(from: MachineId, proof?: string): Buffer {
  return encodeFrame(proof === undefined ? { type: 'welcome', from } : { type: 'welcome', from, proof });
}

/** The knock frame, encoded. */
export function encodeKnock(from: MachineId): Buffer {
  return encodeFrame({ type: 'knock', from });
}

/**
 * The msg frame of an envelope, encoded, its dense vector turned into the wire object. An undefined
 * body goes out as `null` (JSON has no undefined). Throws what JSON.stringify throws on a body that
 * is not JSON (a programming error of the caller).
 */
export function encodeMsg(env: Envelope<unknown>, layout: VectorLayout): Buffer {
  return encodeFrame({
    type: 'msg',
    id: env.id,
    from: env.from,
    lamport: env.lamport,
    vector: wireVector(env.vector, layout),
    body: env.body === undefined ? null : env.body,
  });
}

