/**
 * Kyverno's matching of a string value against a string pattern, for the operators our policies
 * use: `|` (or), `&` (and), `!` (not) and the wildcards `*` and `?`. It mirrors
 * `pkg/engine/pattern` of kyverno v1.19 (`validateStringPatterns`) closely enough to test that a
 * pattern we write means what the TypeScript evaluator means; it is not a Kyverno engine.
 */

/** `*` matches any run of characters (slashes included), `?` exactly one. */
export function wildcardMatches(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

function conditionHolds(condition: string, value: string): boolean {
  if (condition.startsWith('!')) return !wildcardMatches(condition.slice(1).trim(), value);
  return wildcardMatches(condition, value);
}

/** Whether Kyverno would accept `value` for the pattern string `pattern`. */
export function kyvernoStringPatternMatches(pattern: string, value: string): boolean {
  if (value === pattern) return true;
  return pattern
    .split('|')
    .map((alternative) => alternative.trim())
    .some((alternative) =>
      alternative
        .split('&')
        .map((condition) => condition.trim())
        .every((condition) => conditionHolds(condition, value)),
    );
}
