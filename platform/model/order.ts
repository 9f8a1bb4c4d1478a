/** Text ordering for every generated list. */

/**
 * Compares by UTF-16 code unit, not by locale: `localeCompare` can differ between machines,
 * and generated output must come out byte-identical everywhere it is synthesised.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
