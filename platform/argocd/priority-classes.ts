import type { Construct } from 'constructs';
import { KubePriorityClass } from 'cdk8s-plus-28/lib/imports/k8s.js';
import { TIER_LIST } from '../model/tiers.js';
import { LABELS } from '../model/labels.js';

/**
 * One PriorityClass per tier, straight from the tier list. They are owned by the root
 * Application (synced before any layer) because every layer's pods name them.
 */
export function addPriorityClasses(scope: Construct): void {
  for (const tier of TIER_LIST) {
    new KubePriorityClass(scope, `priority-${tier.name}`, {
      metadata: { name: tier.priorityClassName, labels: { [LABELS.tier]: tier.name } },
      value: tier.value,
      globalDefault: tier.globalDefault,
      preemptionPolicy: tier.preemptionPolicy,
      description: tier.description,
    });
  }
}
