// A user's Node app in TypeScript (module and moduleResolution "nodenext"): the package's
// types must check under strict settings, and its wasm must load from the installed files.
import { init, lenet5, Random, type Tensor } from "simdnet";

const info = await init();
const random = new Random(3);
const n = 16;
const x: Tensor = { data: Float32Array.from({ length: n * 784 }, () => random.next()), shape: [n, 28, 28, 1] };
const y: Tensor = { data: Float32Array.from({ length: n }, (_, i) => i % 10), shape: [n] };
const model = lenet5({ seed: 1 });
model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
await model.fit(x, y, { epochs: 1, batchSize: 8, seed: 2, verbose: 0 });
const probabilities: number[] = Array.from(model.predict({ data: x.data.subarray(0, 784), shape: [1, 28, 28, 1] }).data);
model.dispose();
console.log(JSON.stringify({ ok: true, flavor: info.flavor, probabilities }));
