/** Paths given on the command line, as the file:// URLs the loaders take. */
import { pathToFileURL } from "node:url";

export function toFileUrl(path: string): string {
  return path.startsWith("file://") ? path : pathToFileURL(path).href;
}
