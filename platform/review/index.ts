/** Review tooling: what a change does to synth/ (`edge-idp diff`) and a branch to propose it (`edge-idp propose`). */
export * from './diff.js';
export * from './fleet-diff.js';
export * from './fleet-render.js';
export * from './render.js';
export * from './propose.js';
export { factsFromBuild, factsFromReadme, type FactsSource, type SiteFacts, type ComponentFacts } from './facts.js';
export { resolveBase, defaultBranch } from './git.js';
