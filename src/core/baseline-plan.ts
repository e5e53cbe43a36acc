import { BASELINE_LABEL, MANAGED_BY_LABEL, OPT_OUT_PROFILE, PROFILE_LABEL, isManaged, renderProfile } from './baseline.js';
import type { Config } from './config.js';
import { networkPolicyManifest } from './manifest.js';
import type { Namespace } from './namespace.js';
import type { NetworkPolicy } from './network-policy.js';

/**
 * BaselinePlan is what the reconciler must do in one namespace so that its managed policies are
 * exactly its profile's, rendered: policies to create, to replace (drifted), to delete (left over
 * from another profile, or after an opt-out). `skip` says why nothing is to be done.
 */
export type BaselinePlan =
  | { readonly kind: 'skip'; readonly reason: string }
  | {
      readonly kind: 'apply';
      readonly profile: string;
      readonly create: readonly NetworkPolicy[];
      readonly replace: readonly NetworkPolicy[];
      readonly remove: readonly string[];
    };

/** sameManagedPolicy compares what netfence owns of a policy: its spec and its managed labels. */
export function sameManagedPolicy(desired: NetworkPolicy, actual: NetworkPolicy): boolean {
  const owned = (policy: NetworkPolicy): string =>
    JSON.stringify(
      networkPolicyManifest(policy, {
        labels: new Map([...policy.labels].filter(([key]) => key === MANAGED_BY_LABEL || key === PROFILE_LABEL)),
      }),
    );
  return owned(desired) === owned(actual);
}

/** DesiredBaseline is the policies a namespace's profile renders to, or why it has none to check. */
export type DesiredBaseline = { readonly kind: 'skip'; readonly reason: string } | { readonly kind: 'desired'; readonly profile: string; readonly policies: readonly NetworkPolicy[] };

/** desiredBaseline renders a namespace's profile (none after an opt-out), unless it is exempt or terminating. */
export function desiredBaseline(namespace: Namespace, config: Config): DesiredBaseline {
  if (namespace.name === config.namespace || config.exempt.namespaces.includes(namespace.name)) return { kind: 'skip', reason: 'exempt' };
  if (namespace.terminating === true) return { kind: 'skip', reason: 'terminating' };
  const profileName = namespace.labels.get(BASELINE_LABEL) ?? config.defaultProfile;
  const profile = profileName === OPT_OUT_PROFILE ? undefined : config.profiles.get(profileName);
  if (profile === undefined && profileName !== OPT_OUT_PROFILE) return { kind: 'skip', reason: `unknown profile "${profileName}"` };
  return { kind: 'desired', profile: profileName, policies: profile === undefined ? [] : renderProfile(profile, namespace.name) };
}

/** planBaseline compares a namespace's managed policies with its profile. */
export function planBaseline(namespace: Namespace, policies: readonly NetworkPolicy[], config: Config): BaselinePlan {
  const wanted = desiredBaseline(namespace, config);
  if (wanted.kind === 'skip') return wanted;
  const { profile: profileName, policies: desired } = wanted;
  const managed = policies.filter((policy) => isManaged(policy.labels));
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const create = desired.filter((policy) => !byName.has(policy.name));
  const replace = desired.filter((policy) => {
    const actual = byName.get(policy.name);
    return actual !== undefined && !sameManagedPolicy(policy, actual);
  });
  const desiredNames = new Set(desired.map((policy) => policy.name));
  const remove = managed.filter((policy) => !desiredNames.has(policy.name)).map((policy) => policy.name);
  return { kind: 'apply', profile: profileName, create, replace, remove };
}
