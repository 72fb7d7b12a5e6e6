import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { startServer } from "../../scripts/serve-demo.mjs";

interface Served { url: string; port: number; close(): Promise<void> }

/** A raw request, so that paths like /../x reach the server unnormalised. */
function get(port: number, path: string, method = "GET"): Promise<{ status: number; type: string; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("serve-demo", () => {
  let server: Served;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "serve-demo-"));
    await mkdir(join(root, "site/sub"), { recursive: true });
    await writeFile(join(root, "secret.txt"), "outside");
    for (const name of ["index.html", "main.js", "style.css", "m.wasm", "d.bin", "sub/index.html"]) await writeFile(join(root, "site", name), name);
    server = (await startServer({ dir: join(root, "site"), port: 0 })) as Served;
  });
  afterAll(() => server.close());

  it("listens on loopback at the port it reports", () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it.each([
    ["/", "text/html; charset=utf-8", "index.html"],
    ["/sub/", "text/html; charset=utf-8", "sub/index.html"],
    ["/main.js?v=1", "text/javascript; charset=utf-8", "main.js"],
    ["/style.css", "text/css; charset=utf-8", "style.css"],
    ["/m.wasm", "application/wasm", "m.wasm"],
    ["/d.bin", "application/octet-stream", "d.bin"],
  ])("serves %s as %s", async (path, type, body) => {
    const r = await get(server.port, path);
    expect({ status: r.status, type: r.type, body: r.body }).toEqual({ status: 200, type, body });
  });

  it.each(["/", "/main.js", "/m.wasm", "/nope.js"])("makes pages cross-origin isolated: COOP, COEP and CORP on %s", async (path) => {
    const { headers } = await get(server.port, path);
    expect(headers["cross-origin-opener-policy"]).toBe("same-origin");
    expect(headers["cross-origin-embedder-policy"]).toBe("require-corp");
    expect(headers["cross-origin-resource-policy"]).toBe("same-origin");
  });

  it.each(["/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt", "/%2e%2e%2fsecret.txt"])("never serves files outside its root: %s", async (path) => {
    const r = await get(server.port, path);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toContain("outside");
  });

  it("answers 404 for missing files and directories without index.html, 405 for other methods", async () => {
    expect((await get(server.port, "/nope.js")).status).toBe(404);
    expect((await get(server.port, "/sub")).status).toBe(404);
    expect((await get(server.port, "/", "POST")).status).toBe(405);
    expect((await get(server.port, "/", "HEAD")).body).toBe("");
  });
});

describe("serve-demo caching", () => {
  it("sends an ETag and answers a matching If-None-Match with 304 and no body", async () => {
    const root = await mkdtemp(join(tmpdir(), "serve-demo-cache-"));
    await writeFile(join(root, "digits.bin.gz"), "compressed digits");
    const server = (await startServer({ dir: root, port: 0 })) as Served;
    try {
      const first = await get(server.port, "/digits.bin.gz");
      expect(first.status).toBe(200);
      expect(first.type).toBe("application/gzip");
      expect(first.headers["cache-control"]).toBe("no-cache");
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      const again = await getWith(server.port, "/digits.bin.gz", { "if-none-match": etag });
      expect(again.status).toBe(304);
      expect(again.body).toBe("");
      expect(again.headers["cross-origin-embedder-policy"]).toBe("require-corp");
      await writeFile(join(root, "digits.bin.gz"), "new digits, longer than before");
      const changed = await getWith(server.port, "/digits.bin.gz", { "if-none-match": etag });
      expect(changed.status).toBe(200);
      expect(changed.body).toBe("new digits, longer than before");
    } finally {
      await server.close();
    }
  });
});

function getWith(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}
