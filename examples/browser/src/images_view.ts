/** What the image page draws from the worker's answers: the class table, the picture as the network sees it, the probability bars; and the download. */

/** A fraction as a percentage with one decimal. */
export const percent = (v: number): string => `${(v * 100).toFixed(1)}%`;
/** A count with thousands separators. */
export const number = (v: number): string => Math.round(v).toLocaleString("en-US");

/** Fills the class table: a row per class, with its training and validation counts. */
export function renderClasses(table: HTMLTableElement, classNames: string[], trainingCounts: number[], validationCounts: number[]): void {
  table.tBodies[0]!.replaceChildren(...classNames.map((name, i) => {
    const row = document.createElement("tr");
    const th = Object.assign(document.createElement("th"), { scope: "row", textContent: name });
    row.append(th, ...[trainingCounts[i]!, validationCounts[i]!].map((n) => Object.assign(document.createElement("td"), { textContent: number(n) })));
    return row;
  }));
  table.hidden = false;
}

/** Draws `size` x `size` RGB pixels (0..255) on `canvas`, with a text alternative naming `name`. */
export function showSeen(canvas: HTMLCanvasElement, size: number, rgb: Uint8ClampedArray, name: string): void {
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  if (!context) return;
  const image = context.createImageData(size, size);
  for (let p = 0; p < size * size; p++) image.data.set([rgb[p * 3]!, rgb[p * 3 + 1]!, rgb[p * 3 + 2]!, 255], p * 4);
  context.putImageData(image, 0, 0);
  canvas.setAttribute("aria-label", `${name} as the network sees it, ${size} by ${size} pixels`);
}

/** A bar per class, most probable first; each a list item labelled with its class and probability. */
export function renderBars(list: HTMLElement, classNames: string[], probabilities: number[]): void {
  const order = classNames.map((_, i) => i).sort((a, b) => probabilities[b]! - probabilities[a]!);
  list.replaceChildren(...order.map((k, rank) => {
    const p = probabilities[k]!;
    const item = document.createElement("div");
    item.setAttribute("role", "listitem");
    item.setAttribute("aria-label", `${classNames[k]}: ${percent(p)}${rank === 0 ? ", the guess" : ""}`);
    const label = Object.assign(document.createElement("span"), { textContent: classNames[k]!, className: "class-name" });
    const bar = Object.assign(document.createElement("div"), { className: rank === 0 ? "bar top" : "bar" });
    bar.style.width = `${p * 100}%`;
    const value = Object.assign(document.createElement("span"), { textContent: percent(p) });
    for (const part of [label, bar, value]) part.setAttribute("aria-hidden", "true");
    item.append(label, bar, value);
    return item;
  }));
}

/** Offers `bytes` as a download named `fileName`. */
export function download(bytes: Uint8Array, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
