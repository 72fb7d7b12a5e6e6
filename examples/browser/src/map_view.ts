/**
 * Draws a convolution layer's filters and feature maps as one picture: filter k above
 * map k, numbered, in as many columns as fit the box; and small digit pictures.
 */
import type { ConvView, MapSet } from "./messages.js";

const GAP = 6;
const LABEL = 12; // px above each pair for its number

/** Colour of one value: grey levels for activations, blue (negative) to red (positive) for weights. */
function colour(v: number, signed: boolean): [number, number, number] {
  if (!signed) {
    const g = Math.round(v * 255);
    return [g, g, g];
  }
  const t = Math.round(Math.abs(v) * 255);
  return v >= 0 ? [255, 255 - t, 255 - t] : [255 - t, 255 - t, 255];
}

/** Paints map `m` of `set` at (ox, oy), each value as a `zoom` x `zoom` square. */
function paint(image: ImageData, set: MapSet, m: number, ox: number, oy: number, zoom: number): void {
  const px = set.width * set.height;
  for (let y = 0; y < set.height * zoom; y++) {
    for (let x = 0; x < set.width * zoom; x++) {
      const [r, g, b] = colour(set.values[m * px + Math.floor(y / zoom) * set.width + Math.floor(x / zoom)], set.signed);
      const at = ((oy + y) * image.width + ox + x) * 4;
      image.data[at] = r;
      image.data[at + 1] = g;
      image.data[at + 2] = b;
      image.data[at + 3] = 255;
    }
  }
}

/**
 * Renders `view` into a figure inside `container` (reused on later calls): a caption, and
 * a canvas with a text alternative. `width` is the room available in CSS pixels.
 */
export function renderConvView(container: HTMLElement, view: ConvView, source: string, width: number): void {
  let figure = container.querySelector("figure");
  if (!figure) {
    figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    figure.append(document.createElement("figcaption"), canvas);
    container.replaceChildren(figure);
  }
  const caption = figure.querySelector("figcaption") as HTMLElement;
  const canvas = figure.querySelector("canvas") as HTMLCanvasElement;
  const { filters, maps } = view;
  const count = filters.count;
  // About 56 px per cell, each picture scaled by a whole number.
  const mapZoom = Math.max(1, Math.round(56 / maps.width));
  const filterZoom = Math.max(1, Math.floor((maps.width * mapZoom) / filters.width));
  const cell = Math.max(maps.width * mapZoom, filters.width * filterZoom);
  // As many columns as fit, then evened out over the rows (8 + 8, not 15 + 1).
  const fit = Math.max(1, Math.min(count, Math.floor((width + GAP) / (cell + GAP))));
  const rows = Math.ceil(count / fit);
  const columns = Math.ceil(count / rows);
  const pairH = LABEL + filters.height * filterZoom + 2 + maps.height * mapZoom;
  canvas.width = columns * (cell + GAP) - GAP;
  canvas.height = rows * (pairH + GAP) - GAP;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const image = ctx.createImageData(canvas.width, canvas.height);
  image.data.fill(255);
  for (let k = 0; k < count; k++) {
    const ox = (k % columns) * (cell + GAP);
    const oy = Math.floor(k / columns) * (pairH + GAP) + LABEL;
    paint(image, filters, k, ox, oy, filterZoom);
    paint(image, maps, k, ox, oy + filters.height * filterZoom + 2, mapZoom);
  }
  ctx.putImageData(image, 0, 0);
  ctx.font = "10px system-ui, sans-serif";
  ctx.textBaseline = "top";
  for (let k = 0; k < count; k++) {
    ctx.fillStyle = k === view.strongest ? "#b35900" : "#555";
    ctx.fillText(k === view.strongest ? `${k} ★` : String(k), (k % columns) * (cell + GAP), Math.floor(k / columns) * (pairH + GAP));
  }
  const spans = view.inputChannels > 1 ? `, each summed over its ${view.inputChannels} input channels` : "";
  caption.textContent = `${view.layer}: ${filters.title}${spans} (red positive, blue negative), each above its map; ${maps.title} of ${source}.`;
  canvas.setAttribute("aria-label", `${count} filters of ${view.layer}, each drawn above the feature map it makes of ${source}. Filter ${view.strongest}'s map responds most strongly.`);
}

/** A 28x28 digit (values 0..1) as a small canvas of `size` CSS pixels. */
export function digitCanvas(pixels: Float32Array, size: number, label: string): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 28;
  canvas.style.width = canvas.style.height = `${size}px`;
  canvas.className = "digit";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  const ctx = canvas.getContext("2d");
  if (!ctx) return canvas;
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const g = Math.round(pixels[i] * 255);
    image.data.set([g, g, g, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}
