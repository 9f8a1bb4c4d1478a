/** The one text order of the generator. */

/**
 * Compares by UTF-16 code unit, not by locale: `localeCompare` and `Intl.Collator` can differ
 * between machines and Node builds, and everything we emit (synth/, plans, reviews, reports)
 * must come out byte-identical wherever it runs. Use it for every string sort, including as the
 * tie-break of a composite comparator: `a.wave - b.wave || compareText(a.name, b.name)`.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
