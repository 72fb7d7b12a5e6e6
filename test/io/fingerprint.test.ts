/**
 * The weights' fingerprint (length and CRC-32 in userDefinedMetadata.simdnet): CRC-32
 * against zlib's, merging into existing metadata, reading it back strictly, and that any
 * single flipped bit or any other length is refused.
 */
import { describe, expect, it } from "vitest";
import { crc32 as zlibCrc32 } from "node:zlib";
import { crc32 } from "../../ts/io/crc32.js";
import { checkFingerprint, fingerprintOf, readFingerprint, withFingerprint } from "../../ts/io/fingerprint.js";
import { rng } from "../helpers/random.js";

function randomBytes(n: number, seed: number): Uint8Array {
  const next = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
}

const names = { modelJson: "/d/model.json", weights: "/d/weights.bin" };

describe("crc32", () => {
  it("equals zlib's CRC-32 on random lengths and on ranges", () => {
    for (const n of [0, 1, 3, 64, 1000, 4097]) {
      const bytes = randomBytes(n, n + 1);
      expect(crc32(bytes)).toBe(zlibCrc32(bytes));
      if (n > 4) expect(crc32(bytes, 2, n - 1)).toBe(zlibCrc32(bytes.subarray(2, n - 1)));
    }
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926); // the standard check value
  });
});

describe("withFingerprint", () => {
  it("adds weightsBytes and weightsCrc32 under simdnet and keeps everything else", () => {
    const data = randomBytes(40, 2);
    const fp = { weightsBytes: 40, weightsCrc32: zlibCrc32(data) };
    expect(fingerprintOf(data.buffer as ArrayBuffer)).toEqual(fp);
    expect(withFingerprint(undefined, data)).toEqual({ simdnet: fp });
    expect(withFingerprint({ app: { x: 1 }, simdnet: { epoch: 4 } }, data)).toEqual({ app: { x: 1 }, simdnet: { epoch: 4, ...fp } });
    // A stale fingerprint is replaced, not kept.
    expect(withFingerprint({ simdnet: { weightsBytes: 1, weightsCrc32: 2 } }, data)).toEqual({ simdnet: fp });
  });
});

describe("readFingerprint / checkFingerprint", () => {
  it("reads none from metadata without one", () => {
    for (const metadata of [undefined, null, 3, "x", [], {}, { simdnet: null }, { simdnet: { epoch: 2 } }, { other: { weightsCrc32: 1 } }]) {
      expect(readFingerprint(metadata, "model.json")).toBeNull();
    }
  });

  it("refuses a partial or malformed record, naming the file and the field", () => {
    const bad: [unknown, string][] = [
      [{ weightsBytes: 8 }, "model.json userDefinedMetadata.simdnet.weightsCrc32: received undefined"],
      [{ weightsCrc32: 8 }, "model.json userDefinedMetadata.simdnet.weightsBytes: received undefined"],
      [{ weightsBytes: -1, weightsCrc32: 0 }, "weightsBytes: received -1, expected a whole number >= 0"],
      [{ weightsBytes: 1.5, weightsCrc32: 0 }, "weightsBytes: received 1.5"],
      [{ weightsBytes: 8, weightsCrc32: -1 }, "weightsCrc32: received -1, expected a whole number in [0, 2^32)"],
      [{ weightsBytes: 8, weightsCrc32: 0.5 }, "weightsCrc32: received 0.5"],
      [{ weightsBytes: 8, weightsCrc32: "0x1" }, 'weightsCrc32: received "0x1"'],
    ];
    for (const [simdnet, message] of bad) expect(() => readFingerprint({ simdnet }, "model.json")).toThrow(message);
    expect(readFingerprint({ simdnet: { weightsBytes: 0, weightsCrc32: 0xffffffff } }, "m")).toEqual({ weightsBytes: 0, weightsCrc32: 0xffffffff });
  });

  it("accepts the same bytes; refuses every single flipped bit and every other length", () => {
    const data = randomBytes(97, 3);
    const recorded = fingerprintOf(data);
    checkFingerprint(recorded, data, names);
    checkFingerprint(recorded, data.slice().buffer, names);
    for (let bit = 0; bit < data.length * 8; bit++) {
      const flipped = data.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => checkFingerprint(recorded, flipped, names)).toThrow(/with CRC-32 0x[0-9a-f]{8}\)$/);
    }
    for (const n of [0, 96, 98]) {
      const resized = new Uint8Array(n);
      resized.set(data.subarray(0, Math.min(n, data.length)));
      expect(() => checkFingerprint(recorded, resized, names)).toThrow(`, the weights hold ${n} bytes)`);
    }
  });

  it("says which files, and what probably happened", () => {
    const data = randomBytes(8, 4);
    const recorded = { weightsBytes: 8, weightsCrc32: 0x0000abcd };
    expect(() => checkFingerprint(recorded, data, names)).toThrow(
      `loadModel: /d/weights.bin does not match /d/model.json: the files come from different saves or weights.bin is damaged (model.json records 8 bytes of weights with CRC-32 0x0000abcd, the weights hold 8 bytes with CRC-32 0x${zlibCrc32(data).toString(16).padStart(8, "0")})`,
    );
  });
});
