/**
 * JSON text from a Keras file, parsed only after a linear scan has bounded its nesting:
 * a config nested thousands deep is refused by name instead of overflowing the stack of
 * whatever walks it later (every walk in ts/io/keras is recursive, and safe because of
 * this cap).
 */

/** Deepest nesting of arrays and objects accepted (MobileNetV2's config reaches ~12). */
export const MAX_JSON_DEPTH = 100;
/** Largest JSON text accepted, in UTF-16 code units (MobileNetV2's config is ~140 k). */
export const MAX_JSON_CHARS = 64 * 1024 * 1024;

/** Parses `text`, refusing more than {@link MAX_JSON_DEPTH} levels or {@link MAX_JSON_CHARS}. */
export function parseBoundedJson(text: string, where: string): unknown {
  if (text.length > MAX_JSON_CHARS) throw new Error(`${where}: ${text.length} characters of JSON, more than the limit of ${MAX_JSON_CHARS}`);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw new Error(`${where}: the JSON nests deeper than ${MAX_JSON_DEPTH} levels (at character ${i}); refused`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid JSON: ${(e as Error).message}`);
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
