// A user's browser app: imports "simdnet" as any npm user would, and reports through
// window.result what test/consumers/run.mjs compares with the Node app's answer.
import { init, lenet5, Random } from "simdnet";

async function run() {
  const info = await init();
  const random = new Random(3);
  const n = 16;
  const x = { data: Float32Array.from({ length: n * 784 }, () => random.next()), shape: [n, 28, 28, 1] };
  const y = { data: Float32Array.from({ length: n }, (_, i) => i % 10), shape: [n] };
  const model = lenet5({ seed: 1 });
  model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  await model.fit(x, y, { epochs: 1, batchSize: 8, seed: 2, verbose: 0 });
  const probabilities = Array.from(model.predict({ data: x.data.subarray(0, 784), shape: [1, 28, 28, 1] }).data);
  model.dispose();
  return { ok: true, flavor: info.flavor, probabilities };
}

window.result = null;
run().then(
  (r) => { window.result = r; },
  (e) => { window.result = { ok: false, error: String((e && e.message) || e) }; },
);
