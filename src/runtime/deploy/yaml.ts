/**
 * A small, strict YAML emitter for generated deployment files (docker-compose.yml): block style,
 * every string double-quoted with only ASCII inside the quotes, so no value can be re-typed by a
 * YAML 1.1 reader (`no` → false, `1e3` → number, `2:30` → sexagesimal) or break the layout.
 * Output parses identically under YAML 1.1 (PyYAML, docker-compose v1) and 1.2 (compose v2).
 */

/** What the emitter accepts: JSON values whose numbers are safe integers. */
export type YamlValue = string | number | boolean | null | readonly YamlValue[] | { readonly [key: string]: YamlValue };

/** Keys that a YAML 1.1 reader would turn into booleans or null when left bare. */
const RESERVED = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~']);

/**
 * A YAML double-quoted scalar holding exactly `text`. Printable ASCII is kept; `"` and `\` are
 * escaped; every other code point (controls, line/paragraph separators, NEL, non-ASCII) is written
 * as `\xXX`, `\uXXXX` or `\UXXXXXXXX`. A lone surrogate (not representable in YAML) is written as
 * U+FFFD, as UTF-8 encoding would.
 */
export function quoteYamlString(text: string): string {
  let out = '"';
  for (const ch of text) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp === 0x22) out += '\\"';
    else if (cp === 0x5c) out += '\\\\';
    else if (cp >= 0x20 && cp <= 0x7e) out += ch;
    else if (cp <= 0xff) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp <= 0xffff) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

/** A mapping key: bare when it is a plain identifier-like word and not a YAML 1.1 boolean/null, else quoted. */
function yamlKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) && !RESERVED.has(key.toLowerCase()) ? key : quoteYamlString(key);
}

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`toYaml: only safe integers are emitted, got ${value}`);
    return String(value);
  }
  return quoteYamlString(value);
}

function isScalar(v: YamlValue): v is string | number | boolean | null {
  return v === null || typeof v !== 'object';
}

/** An empty collection, or a scalar, fits on the line of its key or dash. */
function inline(v: YamlValue): string | null {
  if (isScalar(v)) return scalar(v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : null;
  return Object.keys(v).length === 0 ? '{}' : null;
}

function emit(v: YamlValue, indent: string, lines: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v as readonly YamlValue[]) {
      const one = inline(item);
      if (one !== null) {
        lines.push(`${indent}- ${one}`);
      } else if (Array.isArray(item)) {
        lines.push(`${indent}-`);
        emit(item, indent + '  ', lines);
      } else {
        // a mapping in a sequence: first key on the dash line, the rest aligned under it
        const sub: string[] = [];
        emit(item, indent + '  ', sub);
        lines.push(`${indent}- ${sub[0]!.slice(indent.length + 2)}`, ...sub.slice(1));
      }
    }
    return;
  }
  for (const [key, item] of Object.entries(v as { readonly [key: string]: YamlValue })) {
    const one = inline(item);
    if (one !== null) {
      lines.push(`${indent}${yamlKey(key)}: ${one}`);
    } else {
      lines.push(`${indent}${yamlKey(key)}:`);
      emit(item, indent + '  ', lines);
    }
  }
}

/**
 * `value` as a YAML document (block style, two-space indent, ending in a newline), preceded by
 * `comment` lines as `# ` comments. Invariant: a YAML 1.1 or 1.2 reader loads exactly `value`
 * (same keys in the same order, same strings, same integers). Throws RangeError on a number that
 * is not a safe integer; the caller must pass no cycles.
 */
export function toYaml(value: YamlValue, comment: readonly string[] = []): string {
  const lines = comment.map((c) => `# ${c}`.trimEnd().replace(/[\r\n\u0085\u2028\u2029]/g, ' '));
  const one = inline(value);
  if (one !== null) lines.push(one);
  else emit(value, '', lines);
  return lines.join('\n') + '\n';
}
