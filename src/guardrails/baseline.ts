import type { BaselineProfile, Config } from './config.js';
import type { EssentialService } from './essential-service.js';
import type { Labels } from '../model/labels.js';
import type { Direction, NetworkPolicy } from '../model/network-policy.js';
import { SELECT_ALL } from '../model/selector.js';

/** MANAGED_BY_LABEL and its value mark the policies netfence manages. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'netfence';
/** PROFILE_LABEL on a managed policy names the profile it belongs to. */
export const PROFILE_LABEL = 'netfence.io/profile';
/** MODE_LABEL and BASELINE_LABEL are the namespace labels netfence reads. */
export const MODE_LABEL = 'netfence.io/mode';
export const BASELINE_LABEL = 'netfence.io/baseline';
/** OPT_OUT_PROFILE as the baseline label's value opts a namespace out of provisioning. */
export const OPT_OUT_PROFILE = 'none';

/** isManaged says whether policy labels mark a policy as netfence's: a baseline, or one it keeps for ClientIntents. */
export function isManaged(labels: Labels): boolean {
  return labels.get(MANAGED_BY_LABEL) === MANAGED_BY_VALUE;
}

/** INTENTS_LABEL marks the policies netfence writes for ClientIntents: `client` (egress) or `server` (ingress). */
export const INTENTS_LABEL = 'netfence.io/intents';

/** isIntentsPolicy says whether policy labels mark a policy netfence keeps for ClientIntents. */
export function isIntentsPolicy(labels: Labels): boolean {
  return isManaged(labels) && labels.has(INTENTS_LABEL);
}

/**
 * isBaselinePolicy says whether policy labels mark one of netfence's baseline policies: managed and
 * naming its profile. The policies netfence keeps for ClientIntents are managed too, but name no
 * profile (they carry `netfence.io/intents`): the baseline reconciler leaves them alone.
 */
export function isBaselinePolicy(labels: Labels): boolean {
  return isManaged(labels) && labels.has(PROFILE_LABEL);
}

/** renderProfile fills in a profile's policies for a namespace, labelled as managed. */
export function renderProfile(profile: BaselineProfile, namespace: string): NetworkPolicy[] {
  return profile.policies.map((policy) => ({
    ...policy,
    namespace,
    labels: new Map([...policy.labels, [MANAGED_BY_LABEL, MANAGED_BY_VALUE], [PROFILE_LABEL, profile.name]]),
  }));
}

/** ESSENTIALS_FIX_NAME is the name suggested fixes give their policy. */
export const ESSENTIALS_FIX_NAME = 'netfence-essentials';

/**
 * essentialsPolicy is the fix that every default-deny and essential-service finding suggests: a
 * default-deny for every required direction that already carries the essential allows, so it
 * passes every rule by itself and a namespace can be built up one object at a time from it.
 */
export function essentialsPolicy(
  namespace: string,
  config: Pick<Config, 'requiredDirections'>,
  services: readonly EssentialService[],
  takenNames: ReadonlySet<string>,
): NetworkPolicy {
  let name = ESSENTIALS_FIX_NAME;
  for (let n = 2; takenNames.has(name); n++) name = `${ESSENTIALS_FIX_NAME}-${n}`;
  const directions = new Set<Direction>([...config.requiredDirections, ...services.map((service) => service.direction)]);
  return {
    namespace,
    name,
    labels: new Map(),
    podSelector: SELECT_ALL,
    policyTypes: directions,
    policyTypesDefaulted: false,
    ingress: services.filter((service) => service.direction === 'Ingress').map((service) => service.fixRule),
    egress: services.filter((service) => service.direction === 'Egress').map((service) => service.fixRule),
  };
}
