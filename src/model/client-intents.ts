import type { Cidr } from './ip.js';

/**
 * ClientIntents: a client workload's declaration of the servers it calls (the resource Otterize's
 * intents-operator defined, `k8s.otterize.com`). netfence reads the network part of it: which pods
 * call which pods or addresses, so it can write the exact least-privilege NetworkPolicies for them.
 * Every version netfence reads (v2beta1, v2alpha1; from files also v1alpha3 and v1beta1, converted)
 * becomes this one shape.
 */

/** CLIENT_INTENTS_GROUP is the API group of ClientIntents. */
export const CLIENT_INTENTS_GROUP = 'k8s.otterize.com';

/** IgnoredTargetType is a target with nothing to do for the network (netfence says it ignores it). */
export type IgnoredTargetType = 'kafka' | 'sql' | 'aws' | 'gcp' | 'azure';

/** IntentsTarget is one server a client calls. `field` is where it was written (`spec.targets[2]`), for messages. */
export type IntentsTarget =
  /** A workload by name (any workload kind with that name when `workloadKind` is undefined), in `namespace`. */
  | { readonly kind: 'workload'; readonly field: string; readonly name: string; readonly namespace: string; readonly workloadKind: string | undefined }
  /** A Service by name, in `namespace` (`kubernetes.default` is the API server). */
  | { readonly kind: 'service'; readonly field: string; readonly name: string; readonly namespace: string }
  /** Addresses outside the cluster: `ips` as blocks (a plain address is a /32 or /128), `ports` (TCP; empty: every port), `domains` (never resolved). */
  | { readonly kind: 'internet'; readonly field: string; readonly ips: readonly Cidr[]; readonly domains: readonly string[]; readonly ports: readonly number[] }
  /** A target of a type with nothing to do for the network. */
  | { readonly kind: 'ignored'; readonly field: string; readonly type: IgnoredTargetType; readonly name: string };

/** ClientIntents is one ClientIntents object as netfence reads it. */
export interface ClientIntents {
  readonly namespace: string;
  readonly name: string;
  /** apiVersion is the version it was written in (`k8s.otterize.com/v2beta1`); older ones are converted on read. */
  readonly apiVersion: string;
  /** client is the calling workload, in the object's namespace (`kind` undefined: any workload kind with that name). */
  readonly client: { readonly name: string; readonly kind: string | undefined };
  readonly targets: readonly IntentsTarget[];
}

/** intentsId names a ClientIntents as messages do: `namespace/name`. */
export function intentsId(intents: Pick<ClientIntents, 'namespace' | 'name'>): string {
  return `${intents.namespace}/${intents.name}`;
}
