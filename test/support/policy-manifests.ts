import fc from 'fast-check';
import type { NetworkPolicy } from '../../src/model/network-policy.js';
import { PROTOCOLS } from '../../src/model/protocol.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';

/**
 * Arbitrary NetworkPolicies for the reachability properties, drawn as manifests (the shape kubectl
 * sends) and decoded by the product's own parser, so the properties see what the webhook sees.
 * Each property picks its own selectors, peers and ports; this builds the manifest around them.
 */

/** Manifest is a JSON object as it appears in a manifest. */
export type Manifest = Record<string, unknown>;

/** RawSelector is a label selector as a manifest writes it. */
export type RawSelector = { matchLabels?: Record<string, string>; matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: readonly string[] }> };

/** PortShape says what a rule's ports are drawn from. */
export interface PortShape {
  readonly numbers: fc.Arbitrary<number>;
  readonly names: readonly string[];
  /** defaults: also leave out the protocol (TCP by default) or the port (every port of the protocol). */
  readonly defaults: boolean;
}

/** policyPortArb is one entry of a rule's `ports`: a number, a name, a range (`endPort`), or (with defaults) a protocol alone. */
export function policyPortArb({ numbers, names, defaults }: PortShape): fc.Arbitrary<Manifest> {
  const requiredKeys = defaults ? (['port'] as const) : (['protocol', 'port'] as const);
  const choices: fc.Arbitrary<Manifest>[] = [
    fc.record({ protocol: fc.constantFrom(...PROTOCOLS), port: numbers }, { requiredKeys: [...requiredKeys] }),
    fc.record({ protocol: fc.constantFrom(...PROTOCOLS), port: fc.constantFrom(...names) }, { requiredKeys: [...requiredKeys] }),
    fc.record({ protocol: fc.constantFrom(...PROTOCOLS), a: numbers, b: numbers }).map(({ protocol, a, b }) => ({ protocol, port: Math.min(a, b), endPort: Math.max(a, b) })),
  ];
  return fc.oneof(...(defaults ? [fc.record({ protocol: fc.constantFrom(...PROTOCOLS) }, { requiredKeys: [] }), ...choices] : choices));
}

/** PolicyShape says what a policy is drawn from. */
export interface PolicyShape {
  readonly namespaces: readonly string[];
  readonly podSelector: fc.Arbitrary<RawSelector>;
  readonly peer: fc.Arbitrary<Manifest>;
  readonly port: fc.Arbitrary<Manifest>;
  readonly maxPorts: number;
  /** optionalParts: policyTypes, ingress and egress may each be left out (the API's defaulting then applies). */
  readonly optionalParts: boolean;
}

/** networkPolicyArb is a decoded NetworkPolicy named `name`: up to two rules a direction, each with up to two peers. */
export function networkPolicyArb(name: string, shape: PolicyShape): fc.Arbitrary<NetworkPolicy> {
  const rule = (side: 'from' | 'to'): fc.Arbitrary<Manifest> => fc.record({ [side]: fc.array(shape.peer, { maxLength: 2 }), ports: fc.array(shape.port, { maxLength: shape.maxPorts }) }, { requiredKeys: [] });
  const part = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => (shape.optionalParts ? fc.option(arbitrary, { nil: undefined }) : arbitrary);
  return fc
    .record({
      namespace: fc.constantFrom(...shape.namespaces),
      podSelector: shape.podSelector,
      policyTypes: part(fc.subarray(['Ingress', 'Egress'], { minLength: 1 })),
      ingress: part(fc.array(rule('from'), { maxLength: 2 })),
      egress: part(fc.array(rule('to'), { maxLength: 2 })),
    })
    .map(({ namespace, podSelector, policyTypes, ingress, egress }) =>
      decodeNetworkPolicy({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name, namespace },
        spec: { podSelector, ...(policyTypes === undefined ? {} : { policyTypes }), ...(ingress === undefined ? {} : { ingress }), ...(egress === undefined ? {} : { egress }) },
      }),
    );
}
