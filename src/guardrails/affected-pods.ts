import type { ClusterState } from '../model/cluster-state.js';
import { formatLabels } from '../model/labels.js';
import type { Labels } from '../model/labels.js';
import { isHostNetworkPod } from '../model/pod.js';
import type { Pod } from '../model/pod.js';
import { matchesSelector } from '../model/selector.js';
import type { LabelSelector } from '../model/selector.js';

/**
 * The pods a finding is about, as a reader knows them. The rules reason about label sets, so they
 * hold for pods that do not exist yet; a message names a real pod or workload of the namespace when
 * one is affected (`boutique/Deployment/frontend`), and the label set only when none is. Pods with
 * `hostNetwork: true` are never named or counted: NetworkPolicies do not apply to them.
 */

/** podName names a pod as messages do: its workload, `ns/Kind/name`, when it has one (or is a template), else `ns/pod`. */
export function podName(pod: Pod): string {
  return pod.workload === undefined ? `${pod.namespace}/${pod.name}` : `${pod.namespace}/${pod.workload.kind}/${pod.workload.name}`;
}

/** affectedPod is the first pod of the namespace, host-network pods aside, whose labels `affected` accepts. */
export function affectedPod(state: Pick<ClusterState, 'podsIn'>, namespace: string, affected: (labels: Labels) => boolean): Pod | undefined {
  return state.podsIn(namespace).find((pod) => !isHostNetworkPod(pod) && affected(pod.labels));
}

/** labelsText is a label set as a one-line headline says it: `app=web`, or `with no labels` (never `<none>`). */
export function labelsText(labels: Labels): string {
  return labels.size === 0 ? 'with no labels' : formatLabels(labels);
}

/**
 * describePod says which pod a finding is about: `team-a/Deployment/web (app=web)` for a real one,
 * else `a pod with labels app=web`, or for the empty label set `a pod with no labels (any pod no
 * other policy selects)`.
 */
export function describePod(pod: Pod | undefined, labels: Labels): string {
  if (pod !== undefined) return `${podName(pod)} (${pod.labels.size === 0 ? 'no labels' : formatLabels(pod.labels)})`;
  return labels.size === 0 ? 'a pod with no labels (any pod no other policy selects)' : `a pod with labels ${formatLabels(labels)}`;
}

/**
 * selectsOnlyHostNetworkPods says whether the namespace has pods that `selector` selects and every
 * one of them has `hostNetwork: true`: a policy for them changes nothing the API defines (the
 * network plugin decides), so the rules leave it alone and say so.
 */
export function selectsOnlyHostNetworkPods(state: Pick<ClusterState, 'podsIn'>, namespace: string, selector: LabelSelector): boolean {
  const pods = state.podsIn(namespace);
  if (!hasHostNetworkPod(pods)) return false; // the common case, without a pass over the pods per request
  let selected = 0;
  for (const pod of pods) {
    if (!matchesSelector(selector, pod.labels)) continue;
    if (!isHostNetworkPod(pod)) return false;
    selected++;
  }
  return selected > 0;
}

// Per pod list (lists are immutable: a new state hands out new lists): does it hold a host-network pod?
const withHostNetwork = new WeakMap<readonly Pod[], boolean>();

function hasHostNetworkPod(pods: readonly Pod[]): boolean {
  if (pods.length === 0) return false;
  let known = withHostNetwork.get(pods);
  if (known === undefined) {
    known = pods.some(isHostNetworkPod);
    withHostNetwork.set(pods, known);
  }
  return known;
}
