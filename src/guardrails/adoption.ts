import { BASELINE_LABEL, OPT_OUT_PROFILE, renderProfile } from './baseline.js';
import type { ClusterState } from '../model/cluster-state.js';
import type { Config } from './config.js';
import { selectsPod } from '../engine/connection.js';
import { DIRECTIONS } from '../model/network-policy.js';
import type { Direction, NetworkPolicy } from '../model/network-policy.js';
import type { Labels } from '../model/labels.js';
import type { Namespace } from '../model/namespace.js';
import type { Pod } from '../model/pod.js';

/**
 * Adoption is whether netfence provisions a namespace's baseline. A namespace is adopted when it
 * carries `netfence.io/baseline: <profile>` (the mutating webhook sets it on namespaces created
 * after the install; an admin sets it to adopt an older one), or when the config's `adoptExisting`
 * adopts every unlabelled namespace. A namespace that predates netfence has workloads whose traffic
 * nobody has described yet, so netfence writes nothing there until it is adopted.
 */
export type Adoption =
  | { readonly kind: 'exempt' }
  | { readonly kind: 'opted-out' }
  | { readonly kind: 'not-adopted' }
  /** labelled: the label names the profile (false: adopted by `adoptExisting`, with the default profile). */
  | { readonly kind: 'adopted'; readonly profile: string; readonly labelled: boolean };

/** ADOPTION_KINDS lists every adoption state, in the order reports and metrics show them. */
export const ADOPTION_KINDS: readonly Adoption['kind'][] = ['adopted', 'not-adopted', 'opted-out', 'exempt'];

/** isExempt says whether netfence leaves a namespace alone entirely: its own, and the configured exemptions. */
export function isExempt(name: string, config: Pick<Config, 'namespace' | 'exempt'>): boolean {
  return name === config.namespace || config.exempt.namespaces.includes(name);
}

/**
 * profileForNewNamespace is the baseline label the mutating webhook adds to a namespace being
 * created (the default profile), or undefined when it adds none: the namespace is exempt, or says
 * its profile (or `none`) itself. `check` gives a Namespace its manifests create the same label.
 */
export function profileForNewNamespace(name: string, labels: Labels | undefined, config: Pick<Config, 'namespace' | 'exempt' | 'defaultProfile'>): string | undefined {
  if (isExempt(name, config) || labels?.has(BASELINE_LABEL) === true) return undefined;
  return config.defaultProfile;
}

/** adoptionOf reads a namespace's adoption from its labels and the config. */
export function adoptionOf(namespace: Namespace, config: Pick<Config, 'namespace' | 'exempt' | 'adoptExisting' | 'defaultProfile'>): Adoption {
  if (isExempt(namespace.name, config)) return { kind: 'exempt' };
  const profile = namespace.labels.get(BASELINE_LABEL);
  if (profile === OPT_OUT_PROFILE) return { kind: 'opted-out' };
  if (profile !== undefined) return { kind: 'adopted', profile, labelled: true };
  return config.adoptExisting ? { kind: 'adopted', profile: config.defaultProfile, labelled: false } : { kind: 'not-adopted' };
}

/** AdoptionCounts is how many namespaces are in each adoption state (the `netfence_namespaces` gauge). */
export type AdoptionCounts = Readonly<Record<Adoption['kind'], number>>;

/** countAdoption counts a state's namespaces by adoption. */
export function countAdoption(namespaces: readonly Namespace[], config: Config): AdoptionCounts {
  const counts: Record<Adoption['kind'], number> = { adopted: 0, 'not-adopted': 0, 'opted-out': 0, exempt: 0 };
  for (const namespace of namespaces) counts[adoptionOf(namespace, config).kind]++;
  return counts;
}

/** NewlyIsolated is a pod that adopting its namespace would isolate, and in which directions. */
export interface NewlyIsolated {
  readonly pod: Pod;
  readonly directions: readonly Direction[];
}

/** AdoptionPreview is what adopting a namespace with a profile would change for its pods. */
export interface AdoptionPreview {
  readonly profile: string;
  readonly policies: readonly NetworkPolicy[];
  /** isolated lists the pods that no policy isolates today in a direction the baseline would. */
  readonly isolated: readonly NewlyIsolated[];
}

/**
 * previewAdoption says which of a namespace's pods the profile's policies would isolate that are
 * not isolated today: traffic of theirs that flows freely now and is denied afterwards unless a
 * policy allows it (DNS excepted, for the default profile). Undefined for an unknown profile.
 */
export function previewAdoption(namespace: string, profileName: string, state: ClusterState, config: Pick<Config, 'profiles'>): AdoptionPreview | undefined {
  const profile = config.profiles.get(profileName);
  if (profile === undefined) return undefined;
  const baseline = renderProfile(profile, namespace);
  const today = state.policiesIn(namespace);
  const isolated = state.podsIn(namespace).flatMap((pod): NewlyIsolated[] => {
    const directions = DIRECTIONS.filter(
      (direction) => baseline.some((policy) => selectsPod(policy, direction, pod)) && !today.some((policy) => selectsPod(policy, direction, pod)),
    );
    return directions.length === 0 ? [] : [{ pod, directions }];
  });
  return { profile: profileName, policies: baseline, isolated };
}
