import type { Config } from '../guardrails/config.js';
import type { EssentialServices } from '../guardrails/resolve-essential-services.js';
import type { PolicyChange, Requester } from '../guardrails/rules/change.js';
import type { ClientIntents } from '../model/client-intents.js';
import { withPolicyLists } from '../model/cluster-state.js';
import type { ClusterState } from '../model/cluster-state.js';
import { generateIntentPolicies } from './generate.js';
import type { GeneratedPolicies } from './generate.js';
import { isIntentsPolicy, sameIntentsPolicy } from './intents-plan.js';
import { proveIntentPolicies } from './prove.js';
import type { IntentsProof } from './prove.js';

/**
 * What putting ClientIntents in force takes in a state that may already hold policies generated
 * for ClientIntents: the policies they call for, generated and proven on the state as it will be
 * (without the generated policies in place, which they replace), and the writes netfence's own
 * service account makes to get there: each policy to create or replace, in the generator's order,
 * then each generated policy that the ClientIntents in force before called for and none calls for
 * any more, deleted. `check`, `diff` and `test` judge each write by the rules, as admission judges
 * netfence's own writes.
 */

/** IntentsChanges is what a set of ClientIntents calls for in a state, its proof, and the writes that put it there. */
export interface IntentsChanges {
  readonly generated: GeneratedPolicies;
  readonly proof: IntentsProof;
  /** changes: CREATE and UPDATE of the generated policies that are new or differ, then DELETE of those no longer called for. */
  readonly changes: readonly PolicyChange[];
  /** conflicts name (`namespace/name`) generated policies not written: a policy netfence does not manage holds the name. */
  readonly conflicts: readonly string[];
}

/** netfenceRequester is netfence's own service account, which writes generated policies (the first privileged user). */
function netfenceRequester(config: Pick<Config, 'privileged' | 'namespace'>): Requester {
  return { username: config.privileged.users[0] ?? `system:serviceaccount:${config.namespace}:netfence`, groups: [] };
}

/**
 * intentsChanges generates the policies `intents` (every ClientIntents in force) call for in
 * `state`, proves them on the state without the generated policies it holds, and lists the writes.
 * `before` are the ClientIntents in force until now: a generated policy of the state is deleted when
 * they called for it and `intents` do not (one that none of them called for is left alone: a state
 * read from files may hold generated policies without the ClientIntents behind them). A generated
 * policy whose name a policy netfence does not manage already holds is not written (netfence never
 * overwrites a policy it does not manage): it is listed in `conflicts`.
 */
export function intentsChanges(state: ClusterState, intents: readonly ClientIntents[], before: readonly ClientIntents[], config: Config, essentials: EssentialServices): IntentsChanges {
  const generated = generateIntentPolicies(state, intents, essentials);
  const calledFor = new Set(before.length === 0 ? [] : generateIntentPolicies(state, before, essentials).policies.map((policy) => `${policy.namespace}/${policy.name}`));
  const withoutGenerated = withPolicyLists(state, (namespace) => state.policiesIn(namespace).filter((policy) => !isIntentsPolicy(policy)));
  const proof = proveIntentPolicies(withoutGenerated, generated, config, essentials);
  const requester = netfenceRequester(config);
  const changes: PolicyChange[] = [];
  const conflicts: string[] = [];
  const wanted = new Set(generated.policies.map((policy) => `${policy.namespace}/${policy.name}`));
  for (const policy of generated.policies) {
    const oldPolicy = state.policiesIn(policy.namespace).find((existing) => existing.name === policy.name);
    if (oldPolicy !== undefined && !isIntentsPolicy(oldPolicy)) conflicts.push(`${policy.namespace}/${policy.name}`);
    if (oldPolicy !== undefined && (!isIntentsPolicy(oldPolicy) || sameIntentsPolicy(policy, oldPolicy))) continue;
    changes.push({ kind: 'NetworkPolicy', operation: oldPolicy === undefined ? 'CREATE' : 'UPDATE', namespace: policy.namespace, name: policy.name, policy, oldPolicy, requester });
  }
  for (const oldPolicy of state.policies().filter(isIntentsPolicy)) {
    const id = `${oldPolicy.namespace}/${oldPolicy.name}`;
    if (wanted.has(id) || !calledFor.has(id)) continue;
    changes.push({ kind: 'NetworkPolicy', operation: 'DELETE', namespace: oldPolicy.namespace, name: oldPolicy.name, policy: undefined, oldPolicy, requester });
  }
  return { generated, proof, changes, conflicts };
}
