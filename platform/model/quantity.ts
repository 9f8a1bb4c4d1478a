/** Kubernetes resource quantities, parsed for sums and capacity checks. */

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** CPU quantity → millicores. Throws on anything that is not a CPU quantity. */
export function parseCpu(q: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(m?)$/.exec(q.trim());
  if (!m) throw new Error(`'${q}' is not a CPU quantity (e.g. "250m" or "2")`);
  const n = Number(m[1]);
  return Math.round(m[2] === 'm' ? n : n * 1000);
}

/** Memory quantity → bytes. Throws on anything that is not a memory quantity. */
export function parseMemory(q: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q.trim());
  if (!m) throw new Error(`'${q}' is not a memory quantity (e.g. "512Mi" or "8Gi")`);
  return Math.round(Number(m[1]) * MEMORY_UNITS[m[2] ?? '']!);
}

export function formatCpu(millicores: number): string {
  return millicores % 1000 === 0 ? `${millicores / 1000}` : `${millicores}m`;
}

/** Bytes → the largest binary unit that keeps one decimal, for humans (not for manifests). */
export function formatMemory(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}
