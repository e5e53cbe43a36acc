import { ReachabilityMap, classifyPods, rulePorts } from '../engine/reachability.js';
import { podName } from '../guardrails/affected-pods.js';
import { withPolicies } from '../model/cluster-state.js';
import type { ClusterState } from '../model/cluster-state.js';
import type { Pod } from '../model/pod.js';
import { PortSet } from '../model/port-set.js';
import type { GeneratedPolicies } from './generate.js';

/**
 * The least-privilege gap: for the servers ClientIntents protect, the connections into them that no
 * intent declares, which the cluster's policies (hand-written ones, or a side nobody isolates) still
 * open. `audit` reports it; each entry is what a team would tighten next.
 */

/** GapEntry is one source's undeclared access to one server, on ports, with the policies that open it. */
export interface GapEntry {
  readonly server: string;
  readonly from: string;
  readonly ports: string;
  readonly openedBy: readonly string[];
}

/** intentsGap finds, with the generated policies in place, every pod that reaches a server pod on ports no intent of it declares. */
export function intentsGap(cluster: ClusterState, generated: GeneratedPolicies): GapEntry[] {
  const state = withPolicies(cluster, generated.policies);
  const servers = new Set<Pod>(generated.connections.flatMap((connection) => (connection.to.kind === 'pods' ? connection.to.server.pods : [])));
  if (servers.size === 0) return [];
  const classes = classifyPods(state.pods(), state.policies());
  const map = new ReachabilityMap(state, classes);
  const classOf = new Map<Pod, number>();
  classes.forEach((podClass, index) => podClass.pods.forEach((pod) => classOf.set(pod, index)));
  const generatedIds = new Set(generated.policies.map((policy) => `${policy.namespace}/${policy.name}`));
  const entries: GapEntry[] = [];
  for (const targetIndex of new Set([...servers].map((pod) => classOf.get(pod) ?? -1))) {
    const target = classes[targetIndex];
    if (target === undefined) continue;
    for (let source = 0; source < classes.length; source++) {
      const from = classes[source];
      if (from === undefined || (source === targetIndex && from.pods.length < 2)) continue;
      const open = map.ports(source, targetIndex);
      if (open.isEmpty()) continue;
      // What the intents of this source's pods declare into these server pods (where all of them agree).
      let declared: PortSet | undefined;
      for (const pod of from.pods) {
        let ports = PortSet.NONE;
        for (const connection of generated.connections) {
          if (connection.to.kind !== 'pods' || !connection.client.pods.includes(pod) || !target.pods.some((server) => connection.to.kind === 'pods' && connection.to.server.pods.includes(server))) continue;
          ports = ports.union(rulePorts(connection.ports, map.endpoint(targetIndex)));
        }
        declared = declared === undefined ? ports : declared.intersect(ports);
      }
      const gap = open.subtract(declared ?? PortSet.NONE);
      if (gap.isEmpty()) continue;
      const why = map.explain(source, targetIndex);
      const openedBy = [
        ...new Set([...why.egress.grants, ...why.ingress.grants].map((grant) => grant.rule.policy).filter((id) => !generatedIds.has(id))),
        ...[why.egress, why.ingress].filter((side) => !side.isolated).map((side) => `${side.direction} not isolated`),
      ];
      entries.push({ server: nameOf(target.pods[0]), from: nameOf(from.pods[0]), ports: gap.format(), openedBy });
    }
  }
  return entries.sort((a, b) => (a.server < b.server ? -1 : a.server > b.server ? 1 : a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}

function nameOf(pod: Pod | undefined): string {
  return pod === undefined ? '?' : podName(pod);
}
