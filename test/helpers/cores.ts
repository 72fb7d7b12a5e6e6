/**
 * Runs a kernel suite on both wasm builds. Usage:
 *
 *   describeEachCore("conv2d", (getCore) => { it("...", () => { const core = getCore(); ... }); });
 */
import { beforeAll, describe } from "vitest";
import { createCore, type WasmFlavor } from "../../ts/wasm/loader.js";
import type { WasmCore } from "../../ts/wasm/core.js";

export const FLAVORS: readonly WasmFlavor[] = ["simd", "scalar"];

export function describeEachCore(name: string, body: (getCore: () => WasmCore, flavor: WasmFlavor) => void): void {
  for (const flavor of FLAVORS) {
    describe(`${name} [${flavor}]`, () => {
      let core: WasmCore | undefined;
      beforeAll(async () => {
        core = await createCore(flavor);
      });
      body(() => {
        if (!core) throw new Error("core not loaded");
        return core;
      }, flavor);
    });
  }
}
