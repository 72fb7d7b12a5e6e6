/**
 * JSON text from a Keras file, parsed only after a linear scan has bounded its nesting:
 * a config nested thousands deep is refused by name instead of overflowing the stack of
 * whatever walks it later (the walks over configs in ts/io are recursive, and safe because
 * of this cap; TF.js model.json goes through it too, see ts/io/artifacts.ts).
 */

/** Deepest nesting of arrays and objects accepted (MobileNetV2's config reaches ~12). */
export const MAX_JSON_DEPTH = 100;
/** Largest JSON text accepted, in UTF-16 code units (MobileNetV2's config is ~140 k). */
export const MAX_JSON_CHARS = 64 * 1024 * 1024;

/**
 * Parses `text`, refusing more than {@link MAX_JSON_DEPTH} levels or `maxChars` characters
 * (default {@link MAX_JSON_CHARS}; a TF.js model.json has its own size limit where it is read).
 */
export function parseBoundedJson(text: string, where: string, maxChars = MAX_JSON_CHARS): unknown {
  if (text.length > maxChars) throw new Error(`${where}: ${text.length} characters of JSON, more than the limit of ${maxChars}`);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw new Error(`${where}: the JSON nests deeper than ${MAX_JSON_DEPTH} levels (at character ${i}), expected at most ${MAX_JSON_DEPTH} levels of arrays and objects; refused`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Refuses a parsed value (arrays and objects) nested deeper than {@link MAX_JSON_DEPTH}:
 * for JSON handed over as an object (a model.json the caller parsed), which no text scan
 * has bounded. An explicit stack, so the check itself cannot overflow; an object met again
 * is walked again only when reached deeper than before (so a cycle ends at the limit and
 * shared parts cost at most the limit's number of walks).
 */
export function checkJsonDepth(value: unknown, where: string): void {
  const deepestAt = new Map<object, number>();
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null || (deepestAt.get(v) ?? 0) >= depth) continue;
    if (depth > MAX_JSON_DEPTH) throw new Error(`${where}: received arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels, expected at most ${MAX_JSON_DEPTH}; refused`);
    deepestAt.set(v, depth);
    for (const item of Array.isArray(v) ? v : Object.values(v)) stack.push([item, depth + 1]);
  }
}

/** UTF-8 bytes to text, refusing malformed UTF-8. */
export function decodeUtf8(bytes: Uint8Array, where: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${where} is not valid UTF-8 text`);
  }
}
