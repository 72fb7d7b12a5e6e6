/**
 * The weights' fingerprint that model.json carries: the byte length and CRC-32 of the
 * weight data (every weight file of the manifest, concatenated in manifest order), as
 * `userDefinedMetadata.simdnet.weightsBytes` and `.weightsCrc32`.
 *
 * The TF.js format itself has neither a checksum nor a link between model.json and its
 * weight files, so a weights.bin from another save of the same shapes, or a bit flip in a
 * float's mantissa, would load silently. TF.js ignores userDefinedMetadata, so files with a
 * fingerprint are still plain TF.js files. Files without one (saved by TF.js, converted
 * from Keras) load unchecked, as before.
 */
import { crc32 } from "./crc32.js";
import { type JsonObject, fail, isJsonObject } from "./json.js";

/** What model.json records about the weights it was saved with. */
export interface WeightsFingerprint {
  /** Length of the weight data in bytes. */
  weightsBytes: number;
  /** CRC-32 (ISO-HDLC, as zlib's) of the weight data, an unsigned 32-bit number. */
  weightsCrc32: number;
}

/** Display names of the two halves of a saved model, for error messages. */
export interface SavedModelNames {
  /** model.json's path, or "source.modelJson" in memory. */
  modelJson: string;
  /** The weights file's path, or "source.weights" in memory. */
  weights: string;
}

function asBytes(data: ArrayBuffer | Uint8Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

function hex(crc: number): string {
  return `0x${crc.toString(16).padStart(8, "0")}`;
}

/** The fingerprint of `data`. */
export function fingerprintOf(data: ArrayBuffer | Uint8Array): WeightsFingerprint {
  const bytes = asBytes(data);
  return { weightsBytes: bytes.byteLength, weightsCrc32: crc32(bytes) };
}

/**
 * `metadata` (a model's userDefinedMetadata, or undefined) with the fingerprint of `data`
 * added under `simdnet`; every other entry (the checkpoint's epoch, say) is kept.
 */
export function withFingerprint(metadata: JsonObject | undefined, data: ArrayBuffer | Uint8Array): JsonObject {
  const simdnet = isJsonObject(metadata?.simdnet) ? metadata.simdnet : {};
  return { ...metadata, simdnet: { ...simdnet, ...fingerprintOf(data) } };
}

/**
 * The fingerprint recorded in `metadata` (model.json's userDefinedMetadata), or null when
 * it records none. A partial or malformed record is an error naming `where` (model.json):
 * that file is damaged, and loading it unchecked would defeat the check.
 */
export function readFingerprint(metadata: unknown, where: string): WeightsFingerprint | null {
  const simdnet = isJsonObject(metadata) ? metadata.simdnet : undefined;
  if (!isJsonObject(simdnet) || (simdnet.weightsBytes === undefined && simdnet.weightsCrc32 === undefined)) return null;
  const at = `${where} userDefinedMetadata.simdnet`;
  const { weightsBytes, weightsCrc32 } = simdnet;
  if (typeof weightsBytes !== "number" || !Number.isSafeInteger(weightsBytes) || weightsBytes < 0) {
    fail(`${at}.weightsBytes`, weightsBytes, "a whole number >= 0 (the byte length of the weights)");
  }
  if (typeof weightsCrc32 !== "number" || !Number.isInteger(weightsCrc32) || weightsCrc32 < 0 || weightsCrc32 > 0xffffffff) {
    fail(`${at}.weightsCrc32`, weightsCrc32, "a whole number in [0, 2^32) (the CRC-32 of the weights)");
  }
  return { weightsBytes, weightsCrc32 };
}

/**
 * The `code` of the error for weights that do not match the length and CRC-32 model.json
 * records (a plain `Error`, as every load error; the code lets the file loader recognise
 * the case, to complete an interrupted save, without reading the message).
 */
export const WEIGHTS_MISMATCH = "SIMDNET_WEIGHTS_MISMATCH";

/**
 * The error for weights that do not match the fingerprint model.json recorded; `found`
 * says what the weights hold ("1000 bytes", or with their CRC-32).
 */
export function fingerprintMismatch(recorded: WeightsFingerprint, found: string, names: SavedModelNames): Error & { code: string } {
  const short = names.weights.split(/[\\/]/).pop();
  const error = new Error(
    `loadModel: ${names.weights} does not match ${names.modelJson}: the files come from different saves or ${short} is damaged ` +
      `(model.json records ${recorded.weightsBytes} bytes of weights with CRC-32 ${hex(recorded.weightsCrc32)}, the weights hold ${found})`,
  );
  return Object.assign(error, { code: WEIGHTS_MISMATCH });
}

/** Throws {@link fingerprintMismatch} unless `data` has the length and CRC-32 of `recorded`. */
export function checkFingerprint(recorded: WeightsFingerprint, data: ArrayBuffer | Uint8Array, names: SavedModelNames): void {
  const bytes = asBytes(data);
  if (bytes.byteLength !== recorded.weightsBytes) throw fingerprintMismatch(recorded, `${bytes.byteLength} bytes`, names);
  const actual = crc32(bytes);
  if (actual !== recorded.weightsCrc32) throw fingerprintMismatch(recorded, `${bytes.byteLength} bytes with CRC-32 ${hex(actual)}`, names);
}
