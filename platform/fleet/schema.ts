/**
 * `fleet.yaml`: what the sites of a fleet share. `defaults` and each group are partial site
 * configs (any keys of platform.yaml), checked as part of every site that uses them; `rings`
 * orders the rollout (see rings.ts). The shape is checked here; what the partial configs hold is
 * checked in each site's merged config, which names the group or the defaults a bad value came from.
 */
import { Type } from '@sinclair/typebox';
import { GitSchema } from '../config/schema.js';

/** The fleet file at the repository root. */
export const FLEET_FILE = 'fleet.yaml';
/** The folder of the site files (`sites/<name>.yaml`). */
export const SITES_DIR = 'sites';
/** A one-site repository's config (no fleet.yaml). */
export const SINGLE_SITE_FILE = 'platform.yaml';

const PartialConfig = (description: string) => Type.Object({}, { additionalProperties: true, description });

const name = (description: string) => Type.String({ format: 'dns-label', description });

export const RingSchema = Type.Object(
  {
    name: name('Ring name (shown by `edge-idp rollout`; `edge-idp promote NAME` moves its ref).'),
    sites: Type.Optional(Type.Array(name('A site of the ring.'), { description: "Sites in this ring (by name); wins over a group's ring." })),
    groups: Type.Optional(Type.Array(name('A group of the ring.'), { description: 'Groups whose sites are in this ring.' })),
    ref: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: GitSchema.properties.revision.pattern!,
        description: 'The git ref its sites track: not allowed on the first ring (it tracks the default branch); default rings/<name>.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const FleetSchema = Type.Object(
  {
    defaults: Type.Optional(PartialConfig('Settings every site starts from (any keys of the site config).')),
    groups: Type.Optional(
      Type.Record(Type.String(), PartialConfig('A group: settings its sites share (hardware profile, region…).'), {
        description: 'Named partial site configs; a site lists the groups it inherits (groups: [a, b]), applied in that order.',
      }),
    ),
    rings: Type.Optional(Type.Array(RingSchema, { minItems: 1, description: 'Rollout rings in order: the first tracks the default branch.' })),
  },
  { additionalProperties: false, title: 'edge-idp fleet.yaml' },
);
