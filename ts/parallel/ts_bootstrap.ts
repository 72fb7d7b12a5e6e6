/**
 * Node only, sources only: starting a replica worker from ts/ rather than dist/. Node
 * cannot import TypeScript, so the worker first registers module hooks that compile `.ts`
 * with esbuild (present wherever the sources are run, as vite's and vitest's compiler)
 * and map the `.js` import specifiers to the `.ts` files. A module of its own so that
 * the browser bundles leave it out (NODE_ONLY in scripts/build-browser.mjs): its hook
 * source names Node built-ins.
 */

/**
 * Code for an eval'd worker that registers TypeScript hooks, then imports `entry`.
 * esbuild is resolved from here, so it is found in this package's node_modules.
 */
export async function typeScriptBootstrap(entry: URL): Promise<string> {
  const { createRequire } = await import("node:module");
  const { pathToFileURL } = await import("node:url");
  const esbuild = pathToFileURL(createRequire(import.meta.url).resolve("esbuild")).href;
  const hooks = `
    import { readFile } from "node:fs/promises";
    const { transform } = await import(${JSON.stringify(esbuild)});
    export async function resolve(specifier, context, next) {
      try {
        return await next(specifier, context);
      } catch (e) {
        // Sources import "./x.js" for the file x.ts.
        if (e?.code === "ERR_MODULE_NOT_FOUND" && specifier.endsWith(".js")) return next(specifier.slice(0, -3) + ".ts", context);
        throw e;
      }
    }
    export async function load(url, context, next) {
      if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
      const source = await readFile(new URL(url), "utf8");
      const out = await transform(source, { loader: "ts", format: "esm", target: "es2022", sourcefile: url });
      return { format: "module", source: out.code, shortCircuit: true };
    }`;
  const hooksUrl = `data:text/javascript,${encodeURIComponent(hooks)}`;
  return `import("node:module").then((m) => { m.register(${JSON.stringify(hooksUrl)}); return import(${JSON.stringify(entry.href)}); });`;
}
