/**
 * The loader over HTTP (what browsers do): a 404 and a server that answers with a page
 * instead of the module (a dev server's index.html) are told apart from a broken module.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCore } from "../../ts/wasm/loader.js";

let server: Server;
let base = "";
const wasm = readFileSync(new URL("../../wasm/simdnet-simd.wasm", import.meta.url));

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/simdnet-simd.wasm") {
      res.writeHead(200, { "content-type": "application/wasm" });
      res.end(wasm);
    } else if (req.url === "/page/simdnet-simd.wasm") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><p>index</p>");
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe("loading a wasm module over HTTP", () => {
  it("compiles a module served as application/wasm", async () => {
    const core = await createCore("simd", `${base}/simdnet-simd.wasm`);
    expect(core).toBeDefined();
  });

  it("names the URL and the status of a 404", async () => {
    await expect(createCore("simd", `${base}/missing/simdnet-simd.wasm`)).rejects.toThrow(`simdnet: fetching ${base}/missing/simdnet-simd.wasm failed: HTTP 404.`);
  });

  it("says when the server answered with something that is not wasm, and what it was", async () => {
    await expect(createCore("simd", `${base}/page/simdnet-simd.wasm`)).rejects.toThrow(`simdnet: ${base}/page/simdnet-simd.wasm is not a WebAssembly module (27 bytes, text/html).`);
  });
});
