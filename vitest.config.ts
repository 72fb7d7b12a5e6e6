import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Kernels are checked on many shapes and models train for real: give them room,
    // and keep files in separate workers (each loads its own wasm instances).
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
