/** Layer 02-engines: one line per component (the catalog orders them by name). */
export { argoWorkflows } from './argo-workflows.js';
export { argocd } from './argocd.js';
export { externalSecrets } from './external-secrets.js';
export { kyverno } from './kyverno.js';
export { platformPoliciesComponent } from './platform-policies.js';
export { policyReporter } from './policy-reporter.js';
export { sso } from './sso.js';
