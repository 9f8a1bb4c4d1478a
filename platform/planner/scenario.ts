/** What a failure scenario is and what placing the pods in it gives (shared by the scenarios and the verdict). */
import type { PlannerNode } from './nodes.js';
import type { PlacementResult } from './placement.js';

/** Green: all up; Yellow: one worker down; Red: all workers down. */
export type ScenarioKind = 'green' | 'yellow' | 'red';

/** One set of nodes that are up. */
export interface Scenario {
  /** Short name findings refer to: `Green`, `Yellow: <worker> down`, `Red`. */
  readonly name: string;
  /** Heading for reports: the name with what is down spelled out. */
  readonly title: string;
  /** Which rule the verdict applies to what is left out. */
  readonly kind: ScenarioKind;
  /** Names of the nodes that are down. */
  readonly downNodes: readonly string[];
  /** The nodes that are up. */
  readonly upNodes: readonly PlannerNode[];
}

/** A scenario and where the pods end up in it. */
export interface ScenarioOutcome {
  /** The scenario: which nodes are up. */
  readonly scenario: Scenario;
  /** Where the pods end up with those nodes. */
  readonly placement: PlacementResult;
}
