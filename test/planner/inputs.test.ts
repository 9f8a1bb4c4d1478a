import { describe, expect, it } from 'vitest';
import type { ResolvedPodPart, WorkloadKind } from '../../platform/model/component.js';
import {
  CONTROL_PLANE_TAINT,
  schedulingFor,
  TOLERATE_CONTROL_PLANE,
  TOLERATE_EVERYTHING,
  type TierName,
} from '../../platform/model/tiers.js';
import { nodeFromSpec, podsFromParts, toleratesNode, toleratesTaint } from '../../platform/planner/index.js';

/** A resolved part as the component model produces it, with only what the planner reads varied. */
function resolvedPart(name: string, kind: WorkloadKind, tier: TierName, extra: Partial<ResolvedPodPart> = {}): ResolvedPodPart {
  const scheduling = schedulingFor(tier, { nodeAgent: extra.nodeAgent ?? false });
  return {
    name,
    kind,
    path: [name],
    replicas: 1,
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    tier,
    priorityClassName: scheduling.priorityClassName,
    tolerations: scheduling.tolerations,
    keyPaths: { priorityClassName: null, tolerations: null, affinity: null, resources: null, replicas: null },
    ...extra,
  };
}

describe('podsFromParts', () => {
  it('expands replicas and sums main and extra container requests', () => {
    const pods = podsFromParts('prometheus', [
      resolvedPart('server', 'Prometheus', 'critical', {
        replicas: 2,
        extraContainers: [
          {
            name: 'config-reloader',
            resourcesKey: ['prometheus', 'configReloader', 'resources'],
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '64Mi' } },
          },
        ],
      }),
    ]);
    expect(pods.map((p) => [p.part, p.replica])).toEqual([
      ['server', 0],
      ['server', 1],
    ]);
    expect(pods[0]).toMatchObject({
      component: 'prometheus',
      tier: 'critical',
      priority: 100_000_000,
      preemptionPolicy: 'PreemptLowerPriority',
      cpuMillicores: 300,
      memoryBytes: 320 * 1024 ** 2,
      tolerations: TOLERATE_CONTROL_PLANE,
      prefersWorkers: true,
      isDaemonSet: false,
      isTransient: false,
    });
  });

  it('keeps one template per DaemonSet and flags Jobs and CronJobs as transient', () => {
    const pods = podsFromParts('mixed', [
      resolvedPart('agent', 'DaemonSet', 'core', { nodeAgent: true }),
      resolvedPart('migrate', 'Job', 'important'),
      resolvedPart('backup', 'CronJob', 'important'),
    ]);
    expect(pods.map((p) => [p.part, p.isDaemonSet, p.isTransient])).toEqual([
      ['agent', true, false],
      ['migrate', false, true],
      ['backup', false, true],
    ]);
    // Node agents tolerate everything and have no lifeboat preference.
    expect(pods[0]).toMatchObject({ tolerations: TOLERATE_EVERYTHING, prefersWorkers: false });
  });

  it('takes priority and preemption policy from the tier', () => {
    const [workload] = podsFromParts('tenant', [resolvedPart('web', 'Deployment', 'workloads')]);
    expect(workload).toMatchObject({ priority: 1_000, preemptionPolicy: 'Never', tolerations: [], prefersWorkers: false });
  });
});

describe('nodes and tolerations', () => {
  const controlPlane = nodeFromSpec({ name: 'edge-cp-1', role: 'control-plane', cpu: '4', memory: '8Gi' });
  const worker = nodeFromSpec({ name: 'edge-w-1', role: 'worker', cpu: '3500m', memory: '7800Mi' });

  it('derives taints, labels and allocatable from the node spec', () => {
    expect(controlPlane.taints).toEqual([CONTROL_PLANE_TAINT]);
    expect(controlPlane.labels).toEqual({
      'kubernetes.io/hostname': 'edge-cp-1',
      'node-role.kubernetes.io/control-plane': '',
    });
    expect(worker).toMatchObject({ taints: [], cpuMillicores: 3500, memoryBytes: 7800 * 1024 ** 2 });
  });

  it('matches tolerations with the Kubernetes rules', () => {
    expect(toleratesTaint({ operator: 'Exists' }, CONTROL_PLANE_TAINT)).toBe(true);
    expect(toleratesTaint({ key: CONTROL_PLANE_TAINT.key, operator: 'Exists' }, CONTROL_PLANE_TAINT)).toBe(true);
    expect(toleratesTaint({ key: 'other', operator: 'Exists' }, CONTROL_PLANE_TAINT)).toBe(false);
    expect(toleratesTaint({ operator: 'Exists', effect: 'NoExecute' }, CONTROL_PLANE_TAINT)).toBe(false);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu' }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' })).toBe(true);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'db' }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' })).toBe(false);
  });

  it('keeps untolerated pods off the control plane but not off workers', () => {
    expect(toleratesNode([], controlPlane)).toBe(false);
    expect(toleratesNode([], worker)).toBe(true);
    expect(toleratesNode(TOLERATE_CONTROL_PLANE, controlPlane)).toBe(true);
  });
});
