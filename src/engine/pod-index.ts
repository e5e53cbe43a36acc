import type { Endpoint } from './connection.js';
import type { LabelSelector } from '../model/selector.js';
import { matchesSelector } from '../model/selector.js';

/**
 * PodIndex indexes a list of endpoints by namespace and by label, so that "which of these pods does
 * this selector match" costs about the number of pods that carry the selector's rarest label, not the
 * number of pods.
 */
export class PodIndex {
  private readonly byNamespace = new Map<string, { all: number[]; postings: Map<string, number[]> }>();
  private readonly addressed: number[] = [];

  constructor(readonly endpoints: readonly Endpoint[]) {
    endpoints.forEach((endpoint, index) => {
      if (endpoint.kind === 'ip' || endpoint.pod.ips.length > 0) this.addressed.push(index);
      if (endpoint.kind !== 'pod') return;
      const { namespace, labels } = endpoint.pod;
      let entry = this.byNamespace.get(namespace);
      if (entry === undefined) {
        entry = { all: [], postings: new Map() };
        this.byNamespace.set(namespace, entry);
      }
      entry.all.push(index);
      for (const [key, value] of labels) {
        const posting = postingKey(key, value);
        const list = entry.postings.get(posting);
        if (list === undefined) entry.postings.set(posting, [index]);
        else list.push(index);
      }
    });
  }

  /** namespaces lists the namespaces that hold at least one indexed pod. */
  namespaces(): IterableIterator<string> {
    return this.byNamespace.keys();
  }

  /** addressedEndpoints lists the endpoints that have an IP address (candidates for ipBlock peers). */
  addressedEndpoints(): readonly number[] {
    return this.addressed;
  }

  /** podsMatching returns the indexes of the pods in `namespace` that `selector` matches. */
  podsMatching(namespace: string, selector: LabelSelector): number[] {
    const entry = this.byNamespace.get(namespace);
    if (entry === undefined) return [];
    let candidates = entry.all;
    for (const [key, value] of selector.matchLabels) {
      const list = entry.postings.get(postingKey(key, value)) ?? [];
      if (list.length < candidates.length) candidates = list;
    }
    return candidates.filter((index) => {
      const endpoint = this.endpoints[index];
      return endpoint?.kind === 'pod' && matchesSelector(selector, endpoint.pod.labels);
    });
  }
}

function postingKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}
