/**
 * Rendered verification (issue 8): find helm, render a component's chart as ArgoCD will, and
 * check that every pod the chart runs carries the component's tier settings, explicit
 * resources and pinned images. Library only: nothing here prints or exits.
 */
export * from './helm.js';
export * from './render.js';
export * from './check.js';
export * from './site.js';
export * from './inventory.js';
