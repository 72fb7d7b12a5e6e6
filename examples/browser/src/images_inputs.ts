/**
 * The ways pictures reach the image page: a folder of class folders chosen with
 * `<input webkitdirectory>` or dropped (walked with `datasets.filesFromEntries`), or, where
 * there is no folder picker (phones), pictures added class by class. Each ends in the same
 * list of files with their paths, "class/name.jpg".
 */
import { datasets } from "simdnet";
import type { FolderFile } from "./images_messages.js";

/** Marks a drop zone while something is dragged over it, and hands the drop to `onDrop`. */
export function dropZone(zone: HTMLElement, onDrop: (data: DataTransfer) => void): void {
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer) onDrop(event.dataTransfer);
  });
}

/** Where the folder inputs are, what to do with their files, and where to say what went wrong. */
export interface FolderInputs {
  folder: HTMLInputElement;
  drop: HTMLElement;
  onFiles(files: FolderFile[]): void;
  say(text: string): void;
}

/** Connects the folder input and its drop zone. */
export function connectFolderInputs({ folder, drop, onFiles, say }: FolderInputs): void {
  folder.addEventListener("change", () => {
    // webkitRelativePath is "chosen/class/name.jpg"; the chosen folder's own name is dropped.
    const files = Array.from(folder.files ?? [], (file) => ({ file, path: file.webkitRelativePath.split("/").slice(1).join("/") }));
    const loose = files.find((f) => f.path === "");
    if (loose) {
      say(`${loose.file.name} came without a folder: choose a folder, not single files.`);
      return;
    }
    onFiles(files);
  });

  dropZone(drop, (data) => {
    // The entries must be taken during the drop event: the DataTransfer empties after it.
    const entries = Array.from(data.items, (item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
    if (entries.length === 0 || !entries.some((e) => e.isDirectory)) {
      say("Drop a folder (holding one subfolder per class), or several class folders; single files have no class.");
      return;
    }
    say("Listing the dropped folder…");
    datasets.filesFromEntries(entries).then(
      (files) => onFiles(files.map((f) => ({ file: f.file as File, path: f.path }))),
      (e: unknown) => say(`The dropped folder could not be read: ${(e as Error).message}`),
    );
  });
}

/** The class-by-class form's elements, and what to do once there are two classes. */
export interface ClassByClass {
  name: HTMLInputElement;
  files: HTMLInputElement;
  add: HTMLButtonElement;
  clear: HTMLButtonElement;
  status: HTMLElement;
  onFiles(files: FolderFile[]): void;
}

/**
 * Class by class, for browsers that cannot pick a folder (phones): each class's pictures
 * become "name/picture.jpg", as if they were in a folder of that name.
 */
export function connectClassByClass({ name, files, add, clear, status, onFiles }: ClassByClass): void {
  const classes = new Map<string, File[]>();
  add.addEventListener("click", () => {
    const className = name.value.trim();
    const chosen = Array.from(files.files ?? []);
    let problem = "";
    if (className === "") problem = "Name the class first.";
    else if (className.includes("/") || className.includes("\\") || className.startsWith(".")) problem = `"${className}" cannot be a class name: no slashes, and no dot first.`;
    else if (chosen.length === 0) problem = `Choose the pictures of "${className}" first.`;
    if (problem) {
      status.textContent = problem;
      return;
    }
    classes.set(className, [...(classes.get(className) ?? []), ...chosen]);
    name.value = "";
    files.value = "";
    const summary = [...classes].map(([n, f]) => `${n} (${f.length})`).join(", ");
    status.textContent = classes.size < 2 ? `Classes: ${summary}. Add at least one more class.` : `Classes: ${summary}.`;
    name.focus();
    if (classes.size >= 2) onFiles([...classes].flatMap(([n, list]) => list.map((file) => ({ file, path: `${n}/${file.name}` }))));
  });
  clear.addEventListener("click", () => {
    classes.clear();
    status.textContent = "No classes yet.";
  });
}
