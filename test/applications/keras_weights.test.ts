/**
 * The applications take the weights of the same networks saved by real Keras 3.15.1
 * (test/golden/keras_files/: keras.applications.MobileNetV2(alpha=0.35, 96x96, 10 classes)
 * and the ResNet-20 of scripts/keras/make_keras_files.py, BatchNormalization statistics
 * randomized) and predict what Keras predicted, to 1e-4: once with the file's weights
 * taken in Keras's `model.weights` order (the manifest's list, i.e. `get_weights()`), once
 * with `getWeights()` of the model `loadModel` made from the file.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { applications } from "../../ts/applications/index.js";
import { readH5File, readKerasFile } from "../../ts/io/keras/keras_file.js";
import { loadModel } from "../../ts/index.js";
import type { Model } from "../../ts/model/model.js";
import { tensor, type Tensor } from "../../ts/tensor.js";
import { init } from "../../ts/wasm/loader.js";
import { golden, goldenFloats, manifest } from "../io/keras_fixtures.js";

beforeAll(async () => {
  await init();
});

/** Keras 3 calls the depthwise weight "kernel"; simdnet (as tf.keras 2 and TF.js) "depthwise_kernel". */
const kerasName = (name: string) => name.replace(/depthwise_kernel$/, "kernel");

const CASES = [
  ["resnet20", () => applications.resnet20({ inputShape: [32, 32, 3], classes: 10, seed: 3 })],
  ["mobilenetv2", () => applications.mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], classes: 10, seed: 3 })],
] as const;

function expectKerasPredictions(model: Model, stem: "resnet20" | "mobilenetv2"): void {
  const m = manifest.models[stem];
  const y = model.predict(tensor(goldenFloats(`${stem}.inputs.bin`), m.inputShape));
  expect(y.shape).toEqual(m.predictionShape);
  const want = goldenFloats(`${stem}.predictions.bin`);
  let worst = 0;
  y.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[i]!))));
  expect(worst).toBeLessThan(1e-4);
}

describe("applications with the weights Keras saved", () => {
  for (const [stem, build] of CASES) {
    it(`${stem}: getWeights() lists the weights in Keras's model.weights order, by layer and weight name`, () => {
      const model = build();
      try {
        const ours = model.layers.flatMap((l) => l.weights.specs.map((w) => ({ name: `${l.name}/${kerasName(w.name)}`, shape: [...w.shape] })));
        // The manifest's paths are "<model>/<layer>/<weight>".
        const keras = manifest.models[stem].weights.map((w) => ({ name: w.path.split("/").slice(-2).join("/"), shape: w.shape }));
        expect(ours).toEqual(keras);
      } finally {
        model.dispose();
      }
    });

    for (const format of ["keras", "h5"] as const) {
      it(`${stem}.${format}: the file's weights in Keras's get_weights() order -> setWeights -> Keras's predictions (1e-4)`, async () => {
        const file = format === "keras" ? await readKerasFile(golden(`${stem}.keras`), `${stem}.keras`) : await readH5File(golden(`${stem}.h5`), `${stem}.h5`);
        const byName = new Map(file.weights.map((w) => [kerasName(w.name), w]));
        const weights: Tensor[] = manifest.models[stem].weights.map((w) => {
          const found = byName.get(w.path.split("/").slice(-2).join("/"));
          if (!found) throw new Error(`${w.path} is not in ${stem}.${format}`);
          return { data: found.data, shape: [...found.shape] };
        });
        const model = build();
        try {
          model.setWeights(weights);
          expectKerasPredictions(model, stem);
        } finally {
          model.dispose();
        }
      });

      it(`${stem}.${format}: loadModel(file).getWeights() -> the application's setWeights -> Keras's predictions (1e-4)`, async () => {
        const loaded = await loadModel(golden(`${stem}.${format}`));
        const model = build();
        try {
          expect(model.layers.map((l) => l.name)).toEqual(loaded.layers.map((l) => l.name));
          model.setWeights(loaded.getWeights());
          expectKerasPredictions(model, stem);
        } finally {
          model.dispose();
          loaded.dispose();
        }
      });
    }
  }

  it("weights of the wrong network are refused by shape, naming the layer", () => {
    const resnet = applications.resnet20({ seed: 1 });
    const mobile = applications.mobileNetV2({ alpha: 0.35, inputShape: [96, 96, 3], classes: 10, seed: 1 });
    try {
      expect(() => mobile.setWeights(resnet.getWeights())).toThrow(/setWeights/);
    } finally {
      resnet.dispose();
      mobile.dispose();
    }
  });
});
