#!/usr/bin/env node
/**
 * Builds the browser demo and serves it on http://127.0.0.1:8080 (loopback only).
 *
 *   node scripts/serve-demo.mjs [--port N] [--no-build]
 *
 * A static file server with no framework: GET and HEAD only, files under one root,
 * correct MIME types (wasm as application/wasm, which streaming compilation requires),
 * ETag and Last-Modified validators with 304 answers, so reloads download nothing new.
 *
 * Every response makes the page cross-origin isolated (COOP same-origin, COEP
 * require-corp), so that `fit({ workers })` can exchange gradients through a
 * SharedArrayBuffer. Under COEP a page may load only same-origin resources (or ones that
 * opt in with CORP), which is all the demo loads; CORP same-origin on our own files says
 * so explicitly.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDemo } from "./build-browser.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Headers that make a page cross-origin isolated (self.crossOriginIsolated === true). */
export const ISOLATION_HEADERS = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
};

const MIME_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".bin": "application/octet-stream",
  ".gz": "application/gzip",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/** The file under `dir` that a URL path names, or null when it would lie outside `dir`. */
function fileFor(dir, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split("?")[0]);
  } catch {
    return null;
  }
  if (path.includes("\0")) return null;
  if (path.endsWith("/")) path += "index.html";
  const file = resolve(dir, `.${path}`);
  return file === dir || file.startsWith(dir + sep) ? file : null;
}

/**
 * Serves the files under `dir` on `host`:`port` (port 0 picks a free one).
 * Resolves to `{ url, port, close() }` once listening.
 */
export function startServer({ dir = join(root, "dist/demo"), port = 8080, host = "127.0.0.1", log = false } = {}) {
  const base = resolve(dir);
  const server = createServer(async (req, res) => {
    const reply = (status, text) => {
      res.writeHead(status, { ...ISOLATION_HEADERS, "content-type": "text/plain; charset=utf-8" });
      res.end(req.method === "HEAD" ? undefined : `${text}\n`);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return reply(405, "method not allowed");
    }
    const file = fileFor(base, req.url ?? "/");
    if (!file) return reply(400, "bad path");
    const info = await stat(file).catch(() => null);
    if (!info || !info.isFile()) return reply(404, "not found");
    if (log) console.log(`${req.method} ${req.url}`);
    // Validators: a reload revalidates (no-cache) and gets 304 without the body when the
    // file is unchanged, so the 1.6 MB of digits cross the wire once.
    const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers = {
      ...ISOLATION_HEADERS,
      "content-type": MIME_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
      "cache-control": "no-cache",
      etag,
      "last-modified": new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString(),
      "x-content-type-options": "nosniff",
    };
    const match = req.headers["if-none-match"];
    if (match && match.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) {
      res.writeHead(304, headers);
      return res.end();
    }
    res.writeHead(200, { ...headers, "content-length": info.size });
    if (req.method === "HEAD") return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolvePromise({
        url: `http://${host}:${actual}/`,
        port: actual,
        // Browsers keep connections open; close() alone would wait for them to go idle.
        close: () => new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const portIndex = args.indexOf("--port");
  const port = portIndex >= 0 ? Number(args[portIndex + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve-demo: --port must be a whole number from 0 to 65535, received ${args[portIndex + 1]}`);
    process.exit(1);
  }
  try {
    if (!args.includes("--no-build")) await buildDemo();
    const { url } = await startServer({ port, log: true });
    console.log(`simdnet demo: ${url}  (Ctrl+C to stop)`);
  } catch (e) {
    console.error(`serve-demo: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  }
}
