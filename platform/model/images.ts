/**
 * When an image reference is pinned: the one rule the rendered-chart check
 * (`platform/render/check.ts`) and the policy evaluator (`policies/evaluator.ts`) both apply,
 * and the one the Kyverno pattern `PINNED_IMAGE_PATTERN` (policies/workload-standards.ts)
 * expresses in the cluster.
 *
 * A reference is pinned when a restart cannot run different content than was tested:
 * - with a digest (`@algorithm:encoded`, e.g. `@sha256:…`), it is pinned whatever its tag
 *   (`app:latest@sha256:…` runs the digest); a malformed digest (`app@`, `app@abc`) is not;
 * - without one, the tag (what follows a colon in the last path segment: `host:5000/app` has
 *   a registry port, not a tag) must be present, non-empty and not `latest`.
 * The digest is checked for its syntax only (OCI image spec: `[a-z0-9]+([+._-][a-z0-9]+)*`,
 * `:`, `[a-zA-Z0-9=_-]+`): a digest of the wrong length fails at pull time, it never drifts.
 */

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Why an image reference is not pinned, or `undefined` when it is. */
export function unpinnedImageReason(image: string): string | undefined {
  if (image === '') return 'is empty';
  const at = image.indexOf('@');
  if (at >= 0) return DIGEST.test(image.slice(at + 1)) ? undefined : 'has a malformed digest';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon === -1) return 'has no tag, so it runs whatever latest is at pull time';
  const tag = lastSegment.slice(colon + 1);
  if (tag === '') return 'has an empty tag';
  if (tag === 'latest') return "uses the mutable tag 'latest'";
  return undefined;
}

/** True when an image reference is pinned (see `unpinnedImageReason`). */
export function isPinnedImage(image: string): boolean {
  return unpinnedImageReason(image) === undefined;
}
