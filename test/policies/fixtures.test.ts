import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonSet, Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { LimitRange, Namespace, Pod } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHECKS } from '../../policies/checks.js';
import { evaluatePolicies } from '../../policies/evaluator.js';
import { FIXTURE_POLICY_OPTIONS, resourceRef, type PolicyFixture } from '../../policies/fixture-site.js';
import type { ClusterPolicy } from '../../policies/kyverno.js';
import { KYVERNO_TEST_FILE, POLICY_FILE, type KyvernoCliTest } from '../../policies/kyverno-test.js';
import {
  FIXTURE_SETS,
  GENERATED_MARKER,
  listGeneratedFiles,
  POLICIES_DIR,
  REGENERATE_COMMAND,
  renderPolicyFiles,
} from '../../policies/policy-files.js';

const rendered = renderPolicyFiles();
const readCommitted = (path: string) => readFileSync(join(POLICIES_DIR, path), 'utf8');

describe('committed policy files', () => {
  it(`equal a fresh render (after changing the TypeScript, run: ${REGENERATE_COMMAND})`, () => {
    for (const [path, content] of rendered) {
      expect(existsSync(join(POLICIES_DIR, path)), `${path} is missing`).toBe(true);
      expect(readCommitted(path), `${path} differs from its source`).toBe(content);
    }
  });

  it('contain no generated file the sources no longer produce', () => {
    expect(listGeneratedFiles(POLICIES_DIR, FIXTURE_SETS.map((set) => set.policy))).toEqual([...rendered.keys()]);
  });

  it('are rendered identically twice', () => {
    expect([...renderPolicyFiles()]).toEqual([...rendered]);
  });

  it('read the same in YAML 1.1, as kubectl and the Kyverno CLI read them (yes, no, on, off are booleans there)', () => {
    for (const [path, content] of rendered) {
      expect(parse(content, { version: '1.1' }), path).toEqual(parse(content));
    }
  });

  it('say they are generated and must not be edited', () => {
    for (const [path, content] of rendered) {
      expect(content.startsWith(GENERATED_MARKER), path).toBe(true);
      expect(content.split('\n')[0], path).toContain('do not edit');
    }
  });
});

describe.each(FIXTURE_SETS.map((set) => [set.policy, set] as const))('fixtures of %s', (policyName, set) => {
  const test = parse(readCommitted(`${policyName}/${KYVERNO_TEST_FILE}`)) as KyvernoCliTest;
  const policy = parse(readCommitted(`${policyName}/${POLICY_FILE}`)) as ClusterPolicy;
  const ruleNames = policy.spec.rules.map((r) => r.name);
  const byRef = new Map(set.fixtures.map((f) => [resourceRef(f.object), f]));

  it('include at least one passing and one failing resource', () => {
    expect(set.fixtures.some((f) => f.file.startsWith('pass-'))).toBe(true);
    expect(set.fixtures.some((f) => f.file.startsWith('fail-'))).toBe(true);
  });

  it.each(set.fixtures.map((f) => [f.file, f] as const))('%s is named for what it shows', (_file, fixture: PolicyFixture) => {
    const results = fixture.kyverno.map((k) => k.result);
    if (fixture.file.startsWith('pass-')) {
      expect(results).not.toContain('fail');
      expect(fixture.violations).toEqual([]);
    } else if (fixture.file.startsWith('fail-')) {
      expect(results.includes('fail') || fixture.violations.length > 0).toBe(true);
    } else {
      expect(results).not.toContain('fail');
      expect(results.includes('skip') || (fixture.exempted ?? []).length > 0).toBe(true);
    }
  });

  it('have unique resource names (the Kyverno CLI matches results by name)', () => {
    expect(byRef.size).toBe(set.fixtures.length);
  });

  it('are wired into a Kyverno CLI test that names existing rules, resources and files', () => {
    expect(test.apiVersion).toBe('cli.kyverno.io/v1alpha1');
    expect(test.kind).toBe('Test');
    for (const file of [...test.policies, ...test.resources]) expect(existsSync(join(POLICIES_DIR, policyName, file)), file).toBe(true);
    expect(test.results.length).toBeGreaterThan(0);
    for (const result of test.results) {
      expect(result.policy).toBe(policyName);
      expect(ruleNames, result.rule).toContain(result.rule);
      for (const ref of result.resources) {
        const fixture = byRef.get(ref);
        expect(fixture, ref).toBeDefined();
        expect(result.kind).toBe(fixture!.object.kind);
      }
      for (const file of [result.patchedResources, result.generatedResource]) {
        if (file) expect(existsSync(join(POLICIES_DIR, policyName, file)), file).toBe(true);
      }
    }
  });

  it('list every namespace a fixture lives in, with its labels', () => {
    const listed = new Set(test.values.namespaceSelector.map((ns) => ns.name));
    for (const f of set.fixtures) if (f.object.metadata.namespace) expect(listed, f.file).toContain(f.object.metadata.namespace);
  });

  it.each(set.fixtures.map((f) => [f.file, f] as const))(
    '%s gets exactly its expected findings from checkAgainstPolicies',
    (_file, fixture: PolicyFixture) => {
      const { violations, exempted } = evaluatePolicies([fixture.object], FIXTURE_POLICY_OPTIONS);
      const evaluated = (checks: readonly string[]) => [...new Set(checks)].filter((c) => CHECKS[c as keyof typeof CHECKS].evaluated).sort();
      expect(evaluated(violations.map((v) => v.check))).toEqual(evaluated(fixture.violations));
      expect(evaluated(exempted.map((e) => e.violation.check))).toEqual(evaluated(fixture.exempted ?? []));
    },
  );
});

describe('fixture and expected objects', () => {
  const models: Record<string, new (data: never) => { validate(): void }> = {
    'v1/Namespace': Namespace,
    'v1/Pod': Pod,
    'v1/LimitRange': LimitRange,
    'apps/v1/Deployment': Deployment,
    'apps/v1/StatefulSet': StatefulSet,
    'apps/v1/DaemonSet': DaemonSet,
    'batch/v1/Job': Job,
    'batch/v1/CronJob': CronJob,
    'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  };
  const objects = FIXTURE_SETS.flatMap((set) =>
    set.fixtures.flatMap((f) => [f.object, ...f.kyverno.flatMap((k) => [k.patched, k.generated].filter((o) => o !== undefined))]),
  );

  it.each(objects.map((o) => [`${o.kind} ${o.metadata?.name}`, o] as const))('%s is valid against the Kubernetes schema', (_name, object) => {
    const Model = models[`${object.apiVersion}/${object.kind}`];
    expect(Model, `${object.apiVersion}/${object.kind}`).toBeDefined();
    expect(() => new Model!(object as never).validate()).not.toThrow();
  });
});
