/**
 * `imageFolderFromFiles` with `preload: false`: images decoded batch by batch in the
 * source's `prepare`, which `fit` awaits. In Node, with simdnet's decoders standing in for
 * the platform's (as in image_folder_browser.test.ts), and a decoder that counts calls.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { BatchSource } from "../../ts/data/batch_source.js";
import { decodeImageBytes } from "../../ts/data/image_decode_node.js";
import type { ImageFolderSource } from "../../ts/data/image_folder.js";
import { imageFolderFromFileList, type FileWithPath } from "../../ts/data/image_folder_browser.js";
import { encodePng } from "../../ts/data/png.js";
import { layers } from "../../ts/layers/index.js";
import { Sequential } from "../../ts/model/sequential.js";
import { optimizers } from "../../ts/optimizers/index.js";
import { init } from "../../ts/wasm/loader.js";
import { encodeBmp24 } from "../helpers/images.js";

/** 3 classes x 7 images of different sizes and formats, each image its own pattern. */
function folder(): FileWithPath[] {
  const out: FileWithPath[] = [];
  for (const [c, name] of ["ants", "bees", "cats"].entries()) {
    for (let i = 0; i < 7; i++) {
      const w = 5 + i, h = 4 + ((i * 3) % 5);
      const bytes = i % 2 === 0
        ? encodePng(Uint8Array.from({ length: w * h }, (_, p) => (p * (c + 3) + i * 17) % 256), w, h)
        : encodeBmp24(Uint8Array.from({ length: w * h * 3 }, (_, p) => (p * (c + 5) + i * 29 + c * 80) % 256), w, h);
      out.push({ file: new Blob([bytes as BlobPart]), path: `${name}/${i}.${i % 2 === 0 ? "png" : "bmp"}` });
    }
  }
  return out;
}

/** The Node decoders, counting the images decoded. */
function countingDecoder(): { decode: (bytes: Uint8Array, name: string) => Promise<ReturnType<typeof decodeImageBytes>>; count: () => number } {
  let n = 0;
  return {
    decode: async (bytes, name) => {
      n++;
      await new Promise((resolve) => setTimeout(resolve, 0)); // decoding is asynchronous in a browser
      return decodeImageBytes(bytes, name);
    },
    count: () => n,
  };
}

/** One epoch's x and y, batch by batch, awaiting prepare first when the source has one. */
async function epoch(source: BatchSource, e: number, batch: number): Promise<number[]> {
  const size = source.sampleShape.reduce((a, b) => a * b, 1);
  const xs: number[] = [];
  const ys: number[] = [];
  source.startEpoch(e);
  for (let start = 0; start < source.length; start += batch) {
    const count = Math.min(batch, source.length - start);
    const x = new Float32Array(count * size), y = new Float32Array(count);
    await source.prepare?.(start, count);
    source.fill(start, count, x, y);
    xs.push(...x);
    ys.push(...y);
  }
  return [...xs, ...ys];
}

const OPTIONS = { imageSize: [6, 5] as [number, number], seed: 3, validationSplit: 0.25, batchSize: 4 };

describe("imageFolderFromFiles with preload: false", () => {
  beforeAll(async () => {
    await init();
  });

  it("decodes nothing up front, then each batch in prepare, giving the preloaded source's epochs", async () => {
    const files = folder();
    const eager = await imageFolderFromFileList(files, { ...OPTIONS, subset: "training" }, countingDecoder().decode) as ImageFolderSource;
    const counter = countingDecoder();
    const lazy = await imageFolderFromFileList(files, { ...OPTIONS, subset: "training", preload: false }, counter.decode) as ImageFolderSource;
    expect(counter.count()).toBe(0);
    expect(eager.prepare).toBeUndefined();
    expect(lazy.filePaths).toEqual(eager.filePaths);
    for (const e of [0, 1]) expect(await epoch(lazy, e, 4)).toEqual(await epoch(eager, e, 4));
    expect(counter.count()).toBe(2 * lazy.length);
  });

  it("refuses a fill it did not prepare, toTensors, a prepare out of range, and a preload that is not true or false", async () => {
    const lazy = await imageFolderFromFileList(folder(), { ...OPTIONS, subset: "training", preload: false }, countingDecoder().decode) as ImageFolderSource;
    const x = new Float32Array(4 * 6 * 5 * 3), y = new Float32Array(4);
    lazy.startEpoch(0);
    expect(() => lazy.fill(0, 4, x, y)).toThrow(/imageFolderFromFiles: (ants|bees|cats)\/\d\.(png|bmp) is not decoded: a source made with preload: false decodes a batch in its prepare\(start, count\), which fit awaits/);
    await lazy.prepare!(0, 4);
    expect(() => lazy.fill(4, 4, x, y)).toThrow(/is not decoded/); // only the prepared batch is held
    expect(() => lazy.toTensors()).toThrow(/make the source with preload: true to use toTensors/);
    await expect(lazy.prepare!(14, 4)).rejects.toThrow(/imageFolderFromFiles: prepare: samples 14 to 18 are outside the 16 images/);
    await expect(imageFolderFromFileList(folder(), { preload: "no" } as never)).rejects.toThrow(/imageFolderFromFiles: preload must be true or false, received "no"/);
  });

  it("fit awaits prepare before every batch: the same weights as from the preloaded source", async () => {
    const files = folder();
    const trained: number[][] = [];
    for (const preload of [true, false]) {
      const [train, val] = await imageFolderFromFileList(files, { ...OPTIONS, subset: "both", preload: true }, countingDecoder().decode) as [ImageFolderSource, ImageFolderSource];
      const source = preload ? train : await imageFolderFromFileList(files, { ...OPTIONS, subset: "training", preload: false }, countingDecoder().decode) as ImageFolderSource;
      const model = new Sequential({
        seed: 5,
        layers: [layers.rescaling({ scale: 1 / 255, inputShape: [6, 5, 3] }), layers.conv2d({ filters: 4, kernelSize: 3, activation: "relu" }), layers.flatten(), layers.dense({ units: 3, activation: "softmax" })],
      });
      model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
      const { x, y } = val.toTensors();
      await model.fit(source, { epochs: 3, seed: 9, verbose: 0, validationData: [x, y!] });
      trained.push(model.getWeights().flatMap((w) => Array.from(w.data)));
      model.dispose();
    }
    expect(trained[1]).toEqual(trained[0]);
  });

  it("fit refuses a batch source whose prepare is not a function, before training", async () => {
    const source = await imageFolderFromFileList(folder(), { imageSize: [6, 5], seed: 3, batchSize: 4 }, countingDecoder().decode) as ImageFolderSource;
    const odd: BatchSource = Object.assign(Object.create(source) as BatchSource, { prepare: 5 });
    const model = new Sequential({ seed: 5, layers: [layers.flatten({ inputShape: [6, 5, 3] }), layers.dense({ units: 3, activation: "softmax" })] });
    model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    const before = model.getWeights().flatMap((w) => Array.from(w.data));
    await expect(model.fit(odd, { epochs: 1, verbose: 0 })).rejects.toThrow(/fit: the batch source's prepare is number, expected a function \(start, count\) returning a Promise, or no prepare/);
    expect(model.getWeights().flatMap((w) => Array.from(w.data))).toEqual(before);
  });

  it("evaluate and predict (synchronous) refuse a source that prepares, up front; a preloaded one works", async () => {
    const files = folder();
    const lazy = await imageFolderFromFileList(files, { imageSize: [6, 5], seed: 3, batchSize: 4, preload: false }, countingDecoder().decode) as ImageFolderSource;
    const eager = await imageFolderFromFileList(files, { imageSize: [6, 5], seed: 3, batchSize: 4 }, countingDecoder().decode) as ImageFolderSource;
    const model = new Sequential({ seed: 5, layers: [layers.flatten({ inputShape: [6, 5, 3] }), layers.dense({ units: 3, activation: "softmax" })] });
    model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    expect(() => model.evaluate(lazy)).toThrow(/evaluate: this batch source reads its samples asynchronously \(it has prepare\(\), e\.g\. imageFolderFromFiles with preload: false\), which evaluate cannot wait for; make the source with preload: true/);
    expect(() => model.predict(lazy)).toThrow(/predict: this batch source reads its samples asynchronously .* which predict cannot wait for/);
    expect(model.predict(eager).shape).toEqual([21, 3]);
    expect(Number.isFinite(model.evaluate(eager).loss)).toBe(true);
  });

  it("a prepare that fails (a file that does not decode) fails fit with the file's name", async () => {
    const files = [...folder(), { file: new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])]), path: "cats/cut.png" }];
    const source = await imageFolderFromFileList(files, { imageSize: [6, 5], seed: 3, batchSize: 4, preload: false }, countingDecoder().decode) as ImageFolderSource;
    const model = new Sequential({ seed: 5, layers: [layers.flatten({ inputShape: [6, 5, 3] }), layers.dense({ units: 3, activation: "softmax" })] });
    model.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    await expect(model.fit(source, { epochs: 1, verbose: 0 })).rejects.toThrow(/cats\/cut\.png/);
  });
});
