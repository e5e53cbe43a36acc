/**
 * Labels is a set of Kubernetes labels, key to value. A Map, not a plain object, so that a key such
 * as `__proto__` or `constructor` coming from user YAML is just a key.
 */
export type Labels = ReadonlyMap<string, string>;

/** labelsToRecord turns Labels into a plain object for JSON output, keys sorted. */
export function labelsToRecord(labels: Labels): Record<string, string> {
  return Object.fromEntries([...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** formatLabels prints labels the way kubectl's `--show-labels` does: `k=v,k2=v2`, or `<none>`. */
export function formatLabels(labels: Labels): string {
  if (labels.size === 0) return '<none>';
  return Object.entries(labelsToRecord(labels))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
