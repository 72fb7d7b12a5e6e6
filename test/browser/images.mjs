#!/usr/bin/env node
/**
 * The image page (examples/browser/images.html) in a real browser: Debian's Chromium,
 * headless, through playwright-core. The test writes a folder of generated pictures (three
 * colour classes, PNG files encoded here and JPEG files encoded by Chromium's canvas, of
 * several sizes, with a text file to skip), gives it to the page's
 * `<input webkitdirectory>` with setInputFiles, and checks:
 * - the classes and their counts, and the page's messages for bad folders (no
 *   subfolders, a class with no images, an undecodable file, named);
 * - that the platform's decoding (createImageBitmap, as the page uses) gives Node's
 *   decoder's pixels on the same files: PNG exactly, JPEG within JPEG_TOLERANCE;
 * - that training reaches a sensible validation accuracy while the page keeps answering;
 * - that a new picture, chosen or dropped (a synthetic drop), is named as its class;
 * - that "Save" downloads a `.keras` file that `loadModel` in Node reads, with the class
 *   names, and that predicts what the page predicted;
 * - that with `?decode=batches` the training images are decoded batch by batch (the
 *   source's `prepare`, awaited by fit) and the model still learns;
 * - that a phone-sized window does not scroll sideways.
 *
 *   node test/browser/images.mjs        (npm run test:browser:images)
 *
 * Prints one line per check, then "N passed, N failed"; exits 1 when any check failed.
 * Screenshots go to test/browser/screenshots/images-*.png (git-ignored).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDemo } from "../../scripts/build-browser.mjs";
import { startServer } from "../../scripts/serve-demo.mjs";
import { assert, check, chromiumPath, CHROMIUM_FLAGS, loadPlaywright, runChecks } from "./harness.mjs";
import { CLASSES, PER_CLASS, encodePngRgb, generator, makeFolder, nodeSimdnet, picture, writeTree } from "./image_files.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const screenshots = join(root, "test/browser/screenshots");
/**
 * Largest difference allowed between Chromium's and Node's decoding of the same JPEG
 * (levels of 255), and of their mean absolute difference. Node decodes with libjpeg-turbo
 * (@cwasm/jpeg-turbo), Chromium with its own build of it; their upsampling and IDCT
 * choices may differ, by a few levels at colour edges.
 */
const JPEG_TOLERANCE = { max: 12, mean: 1.5 };
const IMAGE_SIZE = 32;


async function waitFor(page, predicate, arg, timeout, what) {
  try {
    await page.waitForFunction(predicate, arg, { timeout, polling: 100 });
  } catch {
    const state = await page.evaluate(() => JSON.stringify(window.simdnetImages ?? null)).catch(() => "unavailable");
    throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}; page state: ${state}`);
  }
}

/** Gives the page a folder through its webkitdirectory input and waits for the answer (loaded, or refused). */
async function chooseFolder(page, dir) {
  const before = await page.evaluate(() => window.simdnetImages.folderAnswers);
  await page.setInputFiles("#folder", dir);
  await waitFor(page, (n) => window.simdnetImages.folderAnswers > n, before, 60_000, "the folder to be read");
  return page.evaluate(() => ({ ...window.simdnetImages, loadStatus: document.getElementById("load-status").textContent }));
}

/** Drops `bytes` as a file named `name` on the element `selector`, as a drag and drop would (a synthetic DragEvent). */
async function dropFile(page, selector, name, bytes, type) {
  await page.evaluate(({ selector, name, bytes, type }) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], name, { type }));
    const target = document.querySelector(selector);
    for (const kind of ["dragenter", "dragover", "drop"]) target.dispatchEvent(new DragEvent(kind, { dataTransfer: data, bubbles: true, cancelable: true }));
  }, { selector, name, bytes: Array.from(bytes), type });
}

async function main() {
  const { chromium } = await loadPlaywright();
  const demoDir = await buildDemo();
  const server = await startServer({ dir: demoDir, port: 0 });
  const scratch = await mkdtemp(join(tmpdir(), "simdnet-images-browser-"));
  const context = await chromium.launchPersistentContext(join(scratch, "profile"), {
    executablePath: chromiumPath, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1200, height: 900 }, acceptDownloads: true,
  });
  const pageErrors = [];
  try {
    const page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(`page error: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && pageErrors.push(`console error: ${m.text()}`));
    await page.goto(`${server.url}images.html?imageSize=${IMAGE_SIZE}&epochs=8&batchSize=16&learningRate=0.01&model=cnn`);
    const folder = await makeFolder(page, join(scratch, "shots"));
    const node = await nodeSimdnet(root);

    await check("the page starts its worker with the SIMD kernels and offers both models", async () => {
      await waitFor(page, () => ["ready", "error"].includes(window.simdnetImages?.phase), null, 30_000, "the worker to be ready");
      const s = await page.evaluate(() => window.simdnetImages);
      assert(s.phase === "ready" && s.wasmFlavor === "simd", `phase ${s.phase}, flavor ${s.wasmFlavor}; errors: ${s.errors.join("; ")}`);
      const models = await page.locator("#model option").evaluateAll((options) => options.map((o) => o.value));
      assert(models.join() === "cnn,mobilenet", `the model picker offers ${models.join()}`);
      assert(await page.getAttribute("#train", "aria-disabled") === "true", "Train is enabled before any folder");
    });

    await check("bad folders are refused with a message that says why: no subfolders, a class with no images, an undecodable file by name", async () => {
      const flat = await writeTree(join(scratch, "flat"), { "a.png": encodePngRgb(new Uint8Array(12), 2, 2), "b.png": encodePngRgb(new Uint8Array(12), 2, 2) });
      let s = await chooseFolder(page, flat);
      assert(/cannot be used: .*has no subfolders; expected one folder per class/.test(s.loadStatus), `no subfolders: "${s.loadStatus}"`);
      const png = encodePngRgb(new Uint8Array(4 * 4 * 3).fill(90), 4, 4);
      const empty = await writeTree(join(scratch, "empty-class"), { "cats/a.png": png, "cats/b.png": png, "dogs/readme.txt": "no pictures here" });
      s = await chooseFolder(page, empty);
      assert(/cannot be used: .*class folder .*dogs holds no images/.test(s.loadStatus), `a class with no images: "${s.loadStatus}"`);
      const broken = await writeTree(join(scratch, "broken"), { "cats/a.png": png, "cats/b.png": png, "dogs/c.png": png, "dogs/d.png": png, "dogs/broken.jpg": Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]) });
      s = await chooseFolder(page, broken);
      assert(/cannot be used: .*dogs\/broken\.jpg/.test(s.loadStatus), `an undecodable file is not named: "${s.loadStatus}"`);
      // A JPEG whose header is whole but whose data stops halfway: the platform's decoder refuses it.
      const jpeg = (await readFile(join(folder, "red/red_20.jpg")));
      const cut = await writeTree(join(scratch, "cut"), { "cats/a.png": png, "cats/b.png": png, "dogs/c.png": png, "dogs/d.png": png, "dogs/cut.jpg": jpeg.subarray(0, jpeg.length >> 1) });
      s = await chooseFolder(page, cut);
      assert(/cannot be used: dogs\/cut\.jpg: the browser cannot decode this JPEG image/.test(s.loadStatus), `a truncated JPEG: "${s.loadStatus}"`);
      assert(await page.getAttribute("#train", "aria-disabled") === "true", "Train is enabled after a refused folder");
      assert(s.refusals.length === 4, `refusals: ${s.refusals.join("; ")}`);
    });

    const total = Object.keys(CLASSES).length * (PER_CLASS.png + PER_CLASS.jpg);
    await check("the chosen folder's classes and counts: blue, green, red with 24 images each (20% held out), text files skipped", async () => {
      const s = await chooseFolder(page, folder);
      assert(s.phase === "loaded", `phase ${s.phase}; errors: ${s.errors.join("; ")}; status: ${s.loadStatus}`);
      assert(s.classNames.join() === "blue,green,red", `classes: ${s.classNames.join()}`);
      const perClass = s.trainingCounts.map((n, i) => n + s.validationCounts[i]);
      assert(perClass.every((n) => n === PER_CLASS.png + PER_CLASS.jpg), `images per class: ${perClass.join()}`);
      const validation = s.validationCounts.reduce((a, b) => a + b, 0);
      assert(validation === Math.floor(0.2 * total), `${validation} validation images, expected ${Math.floor(0.2 * total)}`);
      const rows = await page.locator("#classes tbody tr").allTextContents();
      assert(rows.length === 3 && rows[0].startsWith("blue"), `the class table: ${rows.join(" | ")}`);
    });

    await check(`createImageBitmap decodes the chosen files as Node does: PNG exactly, JPEG within ${JPEG_TOLERANCE.max} levels (mean ${JPEG_TOLERANCE.mean})`, async () => {
      // The page's own bundle of image_folder_browser.ts, on the files the input now holds.
      const decoded = await page.evaluate(async () => {
        const { decodeWithPlatform } = await import("./simdnet-images.js");
        const out = [];
        for (const file of document.getElementById("folder").files) {
          if (!/\.(png|jpg)$/.test(file.name)) continue;
          const image = await decodeWithPlatform(new Uint8Array(await file.arrayBuffer()), file.name);
          out.push({ path: file.webkitRelativePath.split("/").slice(1).join("/"), width: image.width, height: image.height, channels: image.channels, data: Array.from(image.data) });
        }
        return out;
      });
      assert(decoded.length === total, `decoded ${decoded.length} files in the page, expected ${total}`);
      const worst = { png: 0, jpg: 0, jpgMean: 0 };
      for (const b of decoded) {
        const n = node.decodeImageBytes(await readFile(join(folder, b.path)), b.path);
        assert(n.width === b.width && n.height === b.height, `${b.path}: Node ${n.width}x${n.height}, Chromium ${b.width}x${b.height}`);
        let max = 0;
        let sum = 0;
        for (let p = 0; p < n.width * n.height; p++) {
          for (let c = 0; c < 3; c++) {
            const d = Math.abs(n.data[p * n.channels + c] - b.data[p * b.channels + c]);
            max = Math.max(max, d);
            sum += d;
          }
          assert(b.data[p * 4 + 3] === 255, `${b.path}: Chromium gives alpha ${b.data[p * 4 + 3]} for an opaque image`);
        }
        const kind = b.path.endsWith(".png") ? "png" : "jpg";
        worst[kind] = Math.max(worst[kind], max);
        if (kind === "jpg") worst.jpgMean = Math.max(worst.jpgMean, sum / (n.width * n.height * 3));
      }
      assert(worst.png === 0, `a PNG differs by up to ${worst.png} levels`);
      assert(worst.jpg <= JPEG_TOLERANCE.max && worst.jpgMean <= JPEG_TOLERANCE.mean, `a JPEG differs by up to ${worst.jpg} levels (mean ${worst.jpgMean.toFixed(2)})`);
      console.log(`      largest JPEG difference ${worst.jpg} levels, mean ${worst.jpgMean.toFixed(2)}`);
    });

    await check("training runs in the worker while the page answers, shows images/s, and reaches >= 90% validation accuracy", async () => {
      await page.focus("#train");
      await page.keyboard.press("Enter");
      const perEpoch = Math.ceil((total - Math.floor(0.2 * total)) / 16);
      await waitFor(page, (n) => window.simdnetImages.batches > 0 && window.simdnetImages.batches < n, 8 * perEpoch, 60_000, "training to be under way");
      assert(await page.isEnabled("#stop"), "Stop is not enabled during training");
      assert(await page.evaluate(() => document.activeElement?.id) === "train", "the focus left Train");
      await waitFor(page, () => ["trained", "loaded", "ready"].includes(window.simdnetImages.phase), null, 300_000, "training to finish");
      const s = await page.evaluate(() => window.simdnetImages);
      assert(s.phase === "trained", `phase ${s.phase}; errors: ${s.errors.join("; ")}`);
      assert(s.batches === 8 * perEpoch && s.epochs.length === 8, `${s.batches} batches, ${s.epochs.length} epochs`);
      const last = s.epochs[s.epochs.length - 1];
      assert(last.valAccuracy >= 0.9, `validation accuracy ${last.valAccuracy} after 8 epochs (losses ${s.epochs.map((e) => e.valLoss.toFixed(2)).join(" ")})`);
      assert(s.imagesPerSecond > 0 && /^[\d,]+$/.test((await page.textContent("#speed-images")).trim()), `images/s: ${s.imagesPerSecond}`);
      assert((await page.getAttribute("#accuracy-chart", "aria-label")).includes("validation"), "the accuracy chart's label does not describe the run");
    });

    // New pictures, not in the folder: one chosen, one dropped.
    const random = generator(99);
    const redPng = encodePngRgb(picture(CLASSES.red, 40, 30, random), 40, 30);
    const greenPng = encodePngRgb(picture(CLASSES.green, 28, 36, random), 28, 36);
    const picked = join(scratch, "new_red.png");
    await writeFile(picked, redPng);

    await check("a chosen picture is named as its class, with a probability per class", async () => {
      await page.setInputFiles("#image", picked);
      await waitFor(page, () => window.simdnetImages.classifications > 0 || window.simdnetImages.refusals.length > 4, null, 20_000, "a classification");
      const s = await page.evaluate(() => window.simdnetImages);
      assert(s.classified?.best === "red", `the red picture was named ${s.classified?.best}: ${JSON.stringify(s.classified)}; errors ${s.errors.join("; ")}`);
      assert(Math.abs(s.classified.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4, `probabilities ${s.classified.probabilities}`);
      const guess = await page.textContent("#guess");
      assert(/new_red\.png looks like red \(\d+\.\d% sure\)/.test(guess), `the page says "${guess}"`);
      const bars = await page.locator("#bars [role=listitem]").evaluateAll((items) => items.map((i) => i.getAttribute("aria-label")));
      assert(bars.length === 3 && bars[0].startsWith("red:") && bars[0].endsWith("the guess"), `bars: ${bars.join(" | ")}`);
    });

    await check("a dropped picture (a synthetic drop) is named as its class", async () => {
      await dropFile(page, "#image-drop", "new_green.png", greenPng, "image/png");
      await waitFor(page, () => window.simdnetImages.classifications > 1 || window.simdnetImages.refusals.length > 4, null, 20_000, "a classification of the drop");
      const s = await page.evaluate(() => window.simdnetImages);
      assert(s.classified?.name === "new_green.png" && s.classified.best === "green", `the dropped green picture: ${JSON.stringify(s.classified)}; errors ${s.errors.join("; ")}`);
    });

    await check("a file that is not a picture is refused by name", async () => {
      await dropFile(page, "#image-drop", "notes.txt", Buffer.from("hello"), "text/plain");
      await waitFor(page, () => window.simdnetImages.refusals.length > 4, null, 10_000, "the refusal");
      const guess = await page.textContent("#guess");
      assert(/cannot be classified: notes\.txt is not a PNG, JPEG, BMP or GIF file/.test(guess), `the page says "${guess}"`);
    });

    await check("Save downloads a .keras file that loadModel reads in Node, predicting what the page predicted", async () => {
      await page.setInputFiles("#image", picked); // the page's latest answer is for the red picture again
      await waitFor(page, () => window.simdnetImages.classified?.name === "new_red.png", null, 20_000, "the red picture again");
      const pageProbabilities = await page.evaluate(() => window.simdnetImages.classified.probabilities);
      const [download] = await Promise.all([page.waitForEvent("download", { timeout: 60_000 }), page.click("#save")]);
      assert(download.suggestedFilename() === "small_cnn.keras", `the download is named ${download.suggestedFilename()}`);
      const path = join(scratch, "small_cnn.keras");
      await download.saveAs(path);
      const model = await node.loadModel(new Uint8Array(await readFile(path)));
      assert(model.inputShape.join() === `${IMAGE_SIZE},${IMAGE_SIZE},3`, `the loaded model takes ${model.inputShape.join("x")}`);
      // Class names travel in the file (model.classNames, which fit takes from the image folder).
      assert(JSON.stringify(model.classNames) === JSON.stringify(["blue", "green", "red"]), `the file's class names: ${JSON.stringify(model.classNames)}`);
      const x = await node.datasets.readImage(picked, { imageSize: [IMAGE_SIZE, IMAGE_SIZE] });
      const p = Array.from(model.predict(x).data);
      const diff = Math.max(...p.map((v, i) => Math.abs(v - pageProbabilities[i])));
      assert(diff < 1e-4, `Node predicts ${p.map((v) => v.toFixed(4))}, the page ${pageProbabilities.map((v) => v.toFixed(4))}`);
      const status = await page.textContent("#save-status");
      assert(/Saved small_cnn\.keras \([\d,]+ KB\)/.test(status), `save status: "${status}"`);
    });

    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, "images-desktop.png"), fullPage: true });

    await check("MobileNetV2 (width 0.35) trains a few batches, stops on Stop, classifies, and saves with its batch norms' momentum at 0.9", async () => {
      await page.selectOption("#model", "mobilenet");
      assert(await page.isDisabled("#augment"), "Augment is offered for MobileNetV2, which takes no augmentation layers");
      await page.click("#train");
      await waitFor(page, () => window.simdnetImages.phase === "training" && window.simdnetImages.batches >= 3, null, 120_000, "MobileNetV2 to train 3 batches");
      await page.click("#stop");
      await waitFor(page, () => window.simdnetImages.phase !== "training", null, 120_000, "the run to stop");
      const s = await page.evaluate(() => window.simdnetImages);
      assert(s.phase === "trained" && s.errors.length === 0, `phase ${s.phase}; errors ${s.errors.join("; ")}`);
      assert((await page.textContent("#status")).startsWith("Stopped after"), `status: ${await page.textContent("#status")}`);
      assert((await page.textContent("#summary")).includes("mobilenetv2_0.35_32"), "the summary is not MobileNetV2's");
      await page.setInputFiles("#image", picked);
      await waitFor(page, (n) => window.simdnetImages.classifications > n, s.classifications, 20_000, "a MobileNetV2 classification");
      const p = await page.evaluate(() => window.simdnetImages.classified.probabilities);
      assert(p.length === 3 && Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-4, `probabilities ${p}`);
      const [download] = await Promise.all([page.waitForEvent("download", { timeout: 60_000 }), page.click("#save")]);
      const path = join(scratch, "mobilenet.keras");
      await download.saveAs(path);
      const model = await node.loadModel(new Uint8Array(await readFile(path)));
      assert(model.name === "mobilenetv2_0.35_32" && model.getLayer("bn_Conv1").momentum === 0.9, `loaded ${model.name}, bn_Conv1 momentum ${model.getLayer("bn_Conv1").momentum}`);
      await page.selectOption("#model", "cnn");
    });

    await check("on a phone, class by class: two named classes of chosen pictures load as a folder would; a bad class name is refused", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.click("#by-class summary");
      await page.click("#add-class");
      assert((await page.textContent("#by-class-status")) === "Name the class first.", `status: ${await page.textContent("#by-class-status")}`);
      await page.fill("#class-name", "../up");
      await page.setInputFiles("#class-files", [join(folder, "red/red_0.png")]);
      await page.click("#add-class");
      assert((await page.textContent("#by-class-status")).includes("cannot be a class name"), `status: ${await page.textContent("#by-class-status")}`);
      const before = await page.evaluate(() => window.simdnetImages.folderAnswers);
      for (const [name, color] of [["reds", "red"], ["blues", "blue"]]) {
        await page.fill("#class-name", name);
        await page.setInputFiles("#class-files", [0, 1, 2, 3, 10, 11, 20].map((i) => join(folder, `${color}/${color}_${i}.${i < PER_CLASS.png ? "png" : "jpg"}`)));
        await page.click("#add-class");
      }
      await waitFor(page, (n) => window.simdnetImages.folderAnswers > n, before, 60_000, "the classes to be read");
      const s = await page.evaluate(() => window.simdnetImages);
      assert(s.phase === "loaded" && s.classNames.join() === "blues,reds", `phase ${s.phase}, classes ${s.classNames.join()}; refusals ${s.refusals.join("; ")}`);
      const counts = s.trainingCounts.map((n, i) => n + s.validationCounts[i]);
      assert(counts.join() === "7,7", `pictures per class: ${counts.join()}`);
      assert((await page.textContent("#by-class-status")) === "Classes: reds (7), blues (7).", `status: ${await page.textContent("#by-class-status")}`);
    });

    await check("on a phone (390x844) nothing scrolls sideways", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(400);
      const sizes = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        width: document.documentElement.clientWidth,
        wide: Array.from(document.querySelectorAll("body *"))
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !el.closest(".table-scroll, pre, details:not([open])"))
          .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""} (${Math.round(el.getBoundingClientRect().right)} px)`),
      }));
      assert(sizes.scroll <= sizes.width && sizes.wide.length === 0, `the page is ${sizes.scroll} px wide in ${sizes.width}; too wide: ${sizes.wide.join(", ")}`);
      await page.screenshot({ path: join(screenshots, "images-phone.png"), fullPage: true });
    });

    await check("with ?decode=batches the training images are decoded batch by batch in the worker (the source's prepare, awaited by fit); with Augment ticked the CNN has flip and rotation layers; it learns", async () => {
      const batches = await context.newPage();
      batches.on("pageerror", (e) => pageErrors.push(`page error (decode=batches): ${e.message}`));
      await batches.goto(`${server.url}images.html?imageSize=${IMAGE_SIZE}&epochs=4&batchSize=16&learningRate=0.01&model=cnn&decode=batches&augment=1`);
      await waitFor(batches, () => window.simdnetImages?.phase === "ready", null, 30_000, "the second page to be ready");
      const s = await chooseFolder(batches, folder);
      assert(s.phase === "loaded" && s.perBatch, `phase ${s.phase}, perBatch ${s.perBatch}: ${s.loadStatus}`);
      assert(/decoded batch by batch/.test(s.loadStatus), `the page does not say so: "${s.loadStatus}"`);
      await batches.click("#train");
      await waitFor(batches, () => window.simdnetImages.phase !== "training" && window.simdnetImages.epochs.length > 0, null, 300_000, "the per-batch run to finish");
      const t = await batches.evaluate(() => window.simdnetImages);
      const summary = await batches.textContent("#summary");
      assert(summary.includes("random_flip (RandomFlip)") && summary.includes("random_rotation (RandomRotatio") /* the column wraps */, `the summary has no augmentation layers:\n${summary}`);
      assert(t.phase === "trained" && t.errors.length === 0, `phase ${t.phase}; errors ${t.errors.join("; ")}`);
      assert(t.epochs.length === 4 && t.epochs[3].valAccuracy >= 0.9, `epochs ${JSON.stringify(t.epochs)}`);
      await batches.close();
    });

    await check("the digits page links to this one", async () => {
      await page.setViewportSize({ width: 1200, height: 900 });
      const home = await context.newPage();
      await home.goto(server.url);
      const href = await home.getAttribute("a[href='images.html']", "href", { timeout: 5_000 });
      assert(href === "images.html", `link: ${href}`);
      await home.close();
    });

    await check("no errors in the page or the worker", async () => {
      const errors = await page.evaluate(() => window.simdnetImages.errors);
      assert(errors.length === 0 && pageErrors.length === 0, [...errors, ...pageErrors].join("\n"));
    });
  } finally {
    await context.close();
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

await runChecks(main);
