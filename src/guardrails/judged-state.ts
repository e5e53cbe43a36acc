import { withPolicyLists } from '../model/cluster-state.js';
import type { ClusterState } from '../model/cluster-state.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import { adoptionOf } from './adoption.js';
import { renderProfile } from './baseline.js';
import type { Config } from './config.js';

/**
 * A change in an adopted namespace is judged with the namespace's baseline in place, written yet or
 * not. The baseline is an invariant netfence keeps (provisioned within seconds of adoption, repaired
 * when it drifts), and `kubectl apply -k` of a new namespace and its policies reaches the webhook
 * milliseconds after the namespace, before the leader has written it: judged without it, every
 * first policy of a new namespace would look like the namespace's only one.
 */

// Per policy list (lists are immutable: a new state hands out new lists), profile and namespace (an
// empty list may be shared between namespaces): the list with the baseline in place, so the rules'
// indexes, keyed by list, serve every request on it.
const overlays = new WeakMap<readonly NetworkPolicy[], Map<string, readonly NetworkPolicy[]>>();
const judged = new WeakMap<ClusterState, { readonly config: Config; readonly state: ClusterState }>();

/**
 * withBaselines is `state` as the guardrails judge it: in each adopted namespace, its policies with
 * the profile's baseline policies in place of any of the same name (netfence repairs those to the
 * profile's version). Other namespaces, and everything but policies, read as in `state`.
 */
export function withBaselines(state: ClusterState, config: Config): ClusterState {
  const known = judged.get(state);
  if (known !== undefined && known.config === config) return known.state;
  const view = withPolicyLists(state, (namespace) => judgedPolicies(state, config, namespace));
  judged.set(state, { config, state: view });
  return view;
}

/** judgedPolicies is a namespace's policies with its baseline in place when it is adopted. */
export function judgedPolicies(state: ClusterState, config: Config, namespace: string): readonly NetworkPolicy[] {
  const policies = state.policiesIn(namespace);
  const found = state.namespace(namespace);
  if (found === undefined) return policies;
  const adoption = adoptionOf(found, config);
  if (adoption.kind !== 'adopted') return policies;
  const profile = config.profiles.get(adoption.profile);
  if (profile === undefined) return policies; // an unknown profile provisions nothing (the reconciler says so)
  let byProfile = overlays.get(policies);
  if (byProfile === undefined) {
    byProfile = new Map();
    overlays.set(policies, byProfile);
  }
  const key = `${profile.name}\u0000${namespace}`;
  let overlay = byProfile.get(key);
  if (overlay === undefined) {
    const baseline = renderProfile(profile, namespace);
    const names = new Set(baseline.map((policy) => policy.name));
    overlay = [...policies.filter((policy) => !names.has(policy.name)), ...baseline].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    byProfile.set(key, overlay);
  }
  return overlay;
}
