/**
 * bootstrap.sh's exit codes (see `./bootstrap.sh --help`). The `edge-idp bootstrap …` commands
 * exit with the same codes, so bootstrap.sh passes a verdict on unchanged; a test checks that
 * bootstrap.sh's `EX_*` constants are these.
 */
export const BOOTSTRAP_EXIT = {
  ok: 0,
  internal: 1,
  /** Usage or configuration error: a bad option, bootstrap.env incomplete, input that is not kubectl JSON. */
  usage: 2,
  tools: 3,
  unreachable: 4,
  /** The cluster's nodes do not match NODES (names, count or roles). */
  nodes: 5,
  /** Node taints/role labels missing: they can be added (bootstrap asks, or --yes). */
  nodeSetup: 6,
  synth: 7,
  render: 8,
  apply: 9,
  /** A condition was not met (bootstrap keeps waiting until --timeout, then fails with it). */
  timeout: 10,
  git: 11,
  /** Secrets are not (seen to be) encrypted at rest and the config does not accept that (`cluster.secretsEncryption`). */
  secretsEncryption: 12,
} as const;
