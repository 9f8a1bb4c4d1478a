/**
 * Kyverno CLI test manifests (`kyverno test policies/`), generated from the fixture sets so that
 * what the CLI is asked to confirm and what the TypeScript tests assert come from one table.
 * Format: `cli.kyverno.io/v1alpha1` Test, as read by the Kyverno 1.19 CLI.
 */
import type { PolicyName } from './checks.js';
import { resourceRef, type ExpectedObject, type PolicyFixture, type PolicyFixtureSet } from './fixture-site.js';

export const KYVERNO_CLI_API_VERSION = 'cli.kyverno.io/v1alpha1';

/** File names inside each policy folder. */
export const POLICY_FILE = 'policy.yaml';
export const KYVERNO_TEST_FILE = 'kyverno-test.yaml';
export const FIXTURES_DIR = 'fixtures';

export interface KyvernoCliTestResult {
  readonly policy: PolicyName;
  readonly rule: string;
  readonly kind: string;
  /** `namespace/name` for namespaced objects, `name` otherwise; for generate rules, the trigger. */
  readonly resources: readonly string[];
  readonly result: 'pass' | 'fail' | 'skip';
  /** File (relative to the test) holding the object as the mutate rule should leave it. */
  readonly patchedResources?: string;
  /** File (relative to the test) holding the object the generate rule should create. */
  readonly generatedResource?: string;
}

/** A namespace's labels, for rules that select namespaces (the CLI has no cluster to ask). */
export interface NamespaceSelectorValue {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface KyvernoCliTest {
  readonly apiVersion: typeof KYVERNO_CLI_API_VERSION;
  readonly kind: 'Test';
  readonly metadata: { readonly name: string };
  readonly policies: readonly string[];
  readonly resources: readonly string[];
  readonly values: { readonly namespaceSelector: readonly NamespaceSelectorValue[] };
  readonly results: readonly KyvernoCliTestResult[];
}

/** Path of a fixture's file, relative to its policy folder. */
export function fixturePath(fixture: PolicyFixture): string {
  return `${FIXTURES_DIR}/${fixture.file}.yaml`;
}

/** Path of the object a mutate rule should produce from `fixture`. */
export function patchedPath(fixture: PolicyFixture): string {
  return `${FIXTURES_DIR}/${fixture.file}.patched.yaml`;
}

/** Path of the object of `kind` a generate rule should produce from `fixture`. */
export function generatedPath(fixture: PolicyFixture, object: ExpectedObject): string {
  return `${FIXTURES_DIR}/${fixture.file}.generated-${object.kind.toLowerCase()}.yaml`;
}

/** The Test for one policy folder, and the expected objects it refers to (path → object). */
export function kyvernoCliTest(
  set: PolicyFixtureSet,
  namespaces: readonly NamespaceSelectorValue[],
): { readonly test: KyvernoCliTest; readonly expectedObjects: ReadonlyMap<string, ExpectedObject> } {
  const expectedObjects = new Map<string, ExpectedObject>();
  const results = set.fixtures.flatMap((fixture) =>
    fixture.kyverno.map((expected): KyvernoCliTestResult => {
      const result: KyvernoCliTestResult = {
        policy: set.policy,
        rule: expected.rule,
        kind: fixture.object.kind,
        resources: [resourceRef(fixture.object)],
        result: expected.result,
      };
      if (expected.patched) {
        expectedObjects.set(patchedPath(fixture), expected.patched);
        return { ...result, patchedResources: patchedPath(fixture) };
      }
      if (expected.generated) {
        const path = generatedPath(fixture, expected.generated);
        expectedObjects.set(path, expected.generated);
        return { ...result, generatedResource: path };
      }
      return result;
    }),
  );
  return {
    test: {
      apiVersion: KYVERNO_CLI_API_VERSION,
      kind: 'Test',
      metadata: { name: set.policy },
      policies: [POLICY_FILE],
      resources: set.fixtures.map(fixturePath),
      values: { namespaceSelector: namespaces },
      results,
    },
    expectedObjects,
  };
}
