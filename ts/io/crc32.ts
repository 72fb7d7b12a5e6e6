/**
 * CRC-32 (ISO-HDLC: polynomial 0xEDB88320 reflected, initial value and final XOR
 * 0xFFFFFFFF), the checksum of PNG chunks, zlib and gzip. Shared by the PNG codec and
 * the weights fingerprint of saved models; no Node or browser API, so it runs anywhere.
 */

let crcTable: Uint32Array | null = null;

/** CRC-32 of `bytes[start..end)`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
