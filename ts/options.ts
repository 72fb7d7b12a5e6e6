/**
 * The key check every options object of the library gets: a key the call does not know
 * (a typo, Keras's snake_case) fails with the accepted names instead of being ignored.
 */

const NO_HINT = (): string => "";

/**
 * Throws on the first key of `options` not in `known`, naming `where`, the key and the
 * accepted keys; `hint(key)` may append advice (e.g. "; did you mean learningRate?").
 */
export function checkKnownKeys(where: string, options: object, known: readonly string[], hint: (key: string) => string = NO_HINT): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`${where}: unknown option "${key}"; expected one of ${known.join(", ")}${hint(key)}`);
  }
}
