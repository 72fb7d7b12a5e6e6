/** Draws a {@link MapSet} as a grid of small pictures on one canvas. */
import type { MapSet } from "./messages.js";

const GAP = 2;

/** Colour of one value: grey levels for activations, blue (negative) to red (positive) for weights. */
function colour(v: number, signed: boolean): [number, number, number] {
  if (!signed) {
    const g = Math.round(v * 255);
    return [g, g, g];
  }
  const t = Math.round(Math.abs(v) * 255);
  return v >= 0 ? [255, 255 - t, 255 - t] : [255 - t, 255 - t, 255];
}

/**
 * Renders `set` into a titled figure inside `container` (replacing what was there),
 * each map pixel drawn as `zoom` x `zoom` screen pixels.
 */
export function renderMapSet(container: HTMLElement, set: MapSet, zoom: number): void {
  const rows = Math.ceil(set.count / set.columns);
  const cellW = set.width * zoom + GAP;
  const cellH = set.height * zoom + GAP;
  let figure = container.querySelector("figure");
  if (!figure) {
    figure = document.createElement("figure");
    figure.append(document.createElement("figcaption"), document.createElement("canvas"));
    container.replaceChildren(figure);
  }
  const caption = figure.querySelector("figcaption") as HTMLElement;
  const canvas = figure.querySelector("canvas") as HTMLCanvasElement;
  caption.textContent = set.title;
  canvas.width = set.columns * cellW - GAP;
  canvas.height = rows * cellH - GAP;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const image = ctx.createImageData(canvas.width, canvas.height);
  image.data.fill(255); // white gaps
  const px = set.width * set.height;
  for (let m = 0; m < set.count; m++) {
    const ox = (m % set.columns) * cellW;
    const oy = Math.floor(m / set.columns) * cellH;
    for (let y = 0; y < set.height * zoom; y++) {
      for (let x = 0; x < set.width * zoom; x++) {
        const [r, g, b] = colour(set.values[m * px + Math.floor(y / zoom) * set.width + Math.floor(x / zoom)], set.signed);
        const at = ((oy + y) * canvas.width + ox + x) * 4;
        image.data[at] = r;
        image.data[at + 1] = g;
        image.data[at + 2] = b;
      }
    }
  }
  ctx.putImageData(image, 0, 0);
}
