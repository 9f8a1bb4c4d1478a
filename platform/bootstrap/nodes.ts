/**
 * The node preflight: the cluster's nodes against NODES. Names must match exactly; control-plane
 * nodes carry the role label and the control-plane taint, workers the worker role label and not
 * that taint. Missing labels/taints can be added (bootstrap asks, or --yes): anything else is a
 * mismatch only the operator can fix.
 */
import { CONTROL_PLANE_ROLE_KEY } from '../model/tiers.js';
import type { BootstrapEnv } from './env.js';
import { WORKER_ROLE_LABEL } from './facts.js';
import type { KubeObject } from './kube.js';

/** One change a node needs: what is wrong, and the kubectl arguments that fix it. */
export interface NodeFix {
  readonly node: string;
  readonly problem: string;
  /** kubectl's arguments (no context, no binary), e.g. `label nodes edge-w-1 node-role…=true`. */
  readonly args: readonly string[];
}

export type NodesVerdict =
  | { readonly status: 'ok'; readonly notes: readonly string[] }
  | { readonly status: 'fix'; readonly notes: readonly string[]; readonly fixes: readonly NodeFix[] }
  | { readonly status: 'mismatch'; readonly notes: readonly string[]; readonly message: string; readonly inspect: readonly string[] };

/** The label and taint commands for a node of a role, each with the condition that calls for it. */
export function nodeFixCommands(env: BootstrapEnv, name: string, role: 'control-plane' | 'worker'): { when: string; args: string[] }[] {
  const { key, effect } = env.taint;
  return role === 'control-plane'
    ? [
        { when: 'if the label is missing', args: ['label', 'nodes', name, `${CONTROL_PLANE_ROLE_KEY}=true`] },
        { when: 'if the taint is missing', args: ['taint', 'nodes', name, env.controlPlaneTaint, '--overwrite'] },
      ]
    : [
        { when: 'if the label is missing', args: ['label', 'nodes', name, `${WORKER_ROLE_LABEL}=true`] },
        { when: 'if it carries the control-plane taint', args: ['taint', 'nodes', name, `${key}:${effect}-`] },
      ];
}

/** The verdict on `kubectl get nodes -o json`'s items. */
export function checkNodes(env: BootstrapEnv, items: readonly KubeObject[]): NodesVerdict {
  const live = new Map(items.map((n) => [n.metadata.name, n]));
  const wanted = env.nodes.map((n) => n.name);
  const missing = wanted.filter((n) => !live.has(n));
  const extra = [...live.keys()].filter((n) => !wanted.includes(n));
  const getNodes = 'get nodes -o wide';
  if (missing.length || extra.length) {
    let message =
      `the cluster's nodes do not match NODES in ${env.file}: expected ${wanted.length} (${wanted.join(' ')}), ` +
      `found ${live.size} (${[...live.keys()].join(' ') || 'none'}).`;
    if (missing.length) message += ` Missing: ${missing.join(' ')}.`;
    if (extra.length) message += ` Not in NODES: ${extra.join(' ')}.`;
    message += " Join the missing nodes (README.md, section Bootstrap a cluster) or fix the nodes in platform.yaml, run 'npm run synth' and commit.";
    return { status: 'mismatch', notes: [], message, inspect: [getNodes] };
  }

  const notes: string[] = [];
  const fixes: NodeFix[] = [];
  for (const { name, role } of env.nodes) {
    const node = live.get(name)!;
    const labels = node.metadata.labels ?? {};
    const taints: unknown[] = Array.isArray(node.spec?.taints) ? node.spec.taints : [];
    const hasTaint = taints.some((t) => (t as { key?: unknown })?.key === env.taint.key && (t as { effect?: unknown })?.effect === env.taint.effect);
    const [label, taint] = nodeFixCommands(env, name, role);
    if (role === 'control-plane') {
      if (!(CONTROL_PLANE_ROLE_KEY in labels)) fixes.push({ node: name, problem: `${name}: control-plane node without the label ${CONTROL_PLANE_ROLE_KEY}`, args: label!.args });
      if (!hasTaint) fixes.push({ node: name, problem: `${name}: control-plane node without the taint ${env.controlPlaneTaint}`, args: taint!.args });
    } else {
      if (CONTROL_PLANE_ROLE_KEY in labels) {
        return {
          status: 'mismatch',
          notes,
          message:
            `node ${name} is a worker in NODES but a control-plane node in the cluster (label ${CONTROL_PLANE_ROLE_KEY}). ` +
            "Join it as a k3s agent, or fix its role in platform.yaml and run 'npm run synth'",
          inspect: [`get nodes -L ${CONTROL_PLANE_ROLE_KEY},${WORKER_ROLE_LABEL}`],
        };
      }
      if (!(WORKER_ROLE_LABEL in labels)) fixes.push({ node: name, problem: `${name}: worker node without the label ${WORKER_ROLE_LABEL}`, args: label!.args });
      if (hasTaint) fixes.push({ node: name, problem: `${name}: worker node carries the control-plane taint ${env.controlPlaneTaint}`, args: taint!.args });
    }
    notes.push(`${name}: ${role} node`);
  }
  if (fixes.length) return { status: 'fix', notes, fixes };
  return { status: 'ok', notes: [...notes, `all ${wanted.length} nodes match NODES`] };
}
