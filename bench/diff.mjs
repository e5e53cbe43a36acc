// Diff benchmark (issue 15): `netfence diff` of one change on a state of 2,000 pods in 200
// namespaces with 1,000 policies (synthetic-cluster.mjs: 10 pods and 5 policies a namespace),
// against the per-pair evaluation it replaces, measured in the same run: evaluateConnection for
// every pod pair, on every port that appears in a policy, before and after the change. That
// baseline takes minutes on the whole state, so it runs on every SAMPLE_EVERY-th source pod (against
// every destination) and is scaled up; its answer on those sources is checked against the diff's.
// Two changes: one policy edited (a port widened to an endPort range), and one namespace relabelled
// so that a namespaceSelector of every namespace's policies reads it differently.
import { evaluateConnection } from '../dist/engine/connection.js';
import { diffReachability } from '../dist/engine/reachability-diff.js';
import { decodeNetworkPolicy } from '../dist/k8s/network-policy.js';
import { MemoryState } from '../dist/state/memory-state.js';
import { formatMs, measure, printTable } from './measure.mjs';
import { syntheticCluster } from './synthetic-cluster.mjs';

const NAMESPACES = 200;
const PODS_PER_NAMESPACE = 10;
const POLICIES_PER_NAMESPACE = 5;
const SAMPLE_EVERY = 40;

function stateOf({ namespaces, pods, policies }) {
  return new MemoryState({ namespaces: [...namespaces].map(([name, labels]) => ({ name, labels })), pods, services: [], policies });
}

/** widenedPort edits tenant-7's policy-3: ingress from gold namespaces on 8080 becomes 8080-8085. */
function widenedPort(cluster) {
  const edited = decodeNetworkPolicy({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'policy-3', namespace: 'tenant-7' },
    spec: {
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['cache', 'worker'] }] },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: 'gold' } }, podSelector: { matchLabels: { track: 'stable' } } }], ports: [{ port: 8080, endPort: 8085 }] }],
    },
  });
  const policies = cluster.policies.map((policy) => (policy.namespace === 'tenant-7' && policy.name === 'policy-3' ? edited : policy));
  return stateOf({ ...cluster, policies });
}

/** relabelled makes tenant-8 (silver) gold: every namespace's policy-3 admits its stable pods now. */
function relabelled(cluster) {
  const namespaces = new Map(cluster.namespaces);
  namespaces.set('tenant-8', new Map([...(namespaces.get('tenant-8') ?? []), ['tier', 'gold']]));
  return stateOf({ ...cluster, namespaces });
}

/** policyPorts lists every port a policy of either state names: numbers, endPort ranges, named ports resolved on the pods. */
function policyPorts(states, pods) {
  const ports = new Map();
  const add = (port, protocol) => ports.set(`${port}/${protocol}`, { port, protocol });
  for (const state of states) {
    for (const policy of state.policies()) {
      for (const rule of [...policy.ingress, ...policy.egress]) {
        for (const entry of rule.ports ?? []) {
          const { range, protocol } = entry;
          if (range.kind === 'numbers') for (let port = range.from; port <= range.to; port++) add(port, protocol);
          else if (range.kind === 'named') for (const pod of pods) for (const container of pod.containerPorts) if (container.name === range.name && container.protocol === protocol) add(container.port, protocol);
        }
      }
    }
  }
  return [...ports.values()];
}

/** naiveChanges evaluates every sampled source against every destination on every port, before and after. */
function naiveChanges(before, after, pods, ports) {
  const changes = new Set();
  for (let i = 0; i < pods.length; i += SAMPLE_EVERY) {
    const from = { kind: 'pod', pod: pods[i] };
    for (const pod of pods) {
      if (pod === from.pod) continue; // a pod may always reach itself
      const to = { kind: 'pod', pod };
      for (const port of ports) {
        if (evaluateConnection(before, from, to, port).allowed !== evaluateConnection(after, from, to, port).allowed) {
          changes.add(`${from.pod.namespace}/${from.pod.name} ${pod.namespace}/${pod.name} ${port.port}/${port.protocol}`);
        }
      }
    }
  }
  return changes;
}

/** sampledChanges is the diff's answer on the sampled sources and the probed ports, in the naive form. */
function sampledChanges(diff, pods, ports) {
  const sampled = new Set(pods.filter((_, i) => i % SAMPLE_EVERY === 0).map((pod) => `${pod.namespace}/${pod.name}`));
  const changes = new Set();
  for (const pair of diff.namespacePairs) {
    for (const line of pair.connections) {
      for (const from of line.from.names) {
        if (!sampled.has(from)) continue;
        for (const to of line.to.names) {
          if (to === from) continue;
          for (const port of ports) if (line.opened.has(port) || line.closed.has(port)) changes.add(`${from} ${to} ${port.port}/${port.protocol}`);
        }
      }
    }
  }
  return changes;
}

function row(label, before, after, pods) {
  let diff;
  const ms = measure(() => {
    diff = diffReachability(before, after);
  }, { rounds: 3, seconds: 1 });
  const ports = policyPorts([before, after], pods);
  const start = process.hrtime.bigint();
  const naive = naiveChanges(before, after, pods, ports);
  const sampleMs = Number(process.hrtime.bigint() - start) / 1e6;
  const naiveMs = sampleMs * SAMPLE_EVERY;
  const engine = sampledChanges(diff, pods, ports);
  const missing = [...naive].filter((change) => !engine.has(change));
  const extra = [...engine].filter((change) => !naive.has(change));
  if (missing.length > 0 || extra.length > 0) throw new Error(`diff disagrees with evaluateConnection on the sample: missing ${missing.slice(0, 3)}, extra ${extra.slice(0, 3)}`);
  const lines = diff.namespacePairs.reduce((n, pair) => n + pair.connections.length, 0);
  return {
    change: label,
    pods: pods.length,
    policies: before.policies().length,
    'pairs compared': `${diff.pairsEvaluated} of ${(diff.classes * diff.classes).toLocaleString('en')}`,
    lines,
    diff: formatMs(ms),
    [`per pair x ${ports.length} ports`]: `${formatMs(naiveMs)} (1/${SAMPLE_EVERY} of sources: ${formatMs(sampleMs)})`,
    speedup: `${(naiveMs / ms).toFixed(0)}x`,
  };
}

/** runDiffBenchmarks prints the table. */
export async function runDiffBenchmarks() {
  const cluster = syntheticCluster({ namespaces: NAMESPACES, podsPerNamespace: PODS_PER_NAMESPACE, policiesPerNamespace: POLICIES_PER_NAMESPACE });
  const before = stateOf(cluster);
  const pods = before.pods();
  console.log(`\n## netfence diff of one change (${pods.length} pods, ${NAMESPACES} namespaces, ${before.policies().length} policies) vs evaluateConnection per pair and port\n`);
  printTable([row('one policy: 8080 -> 8080-8085', before, widenedPort(cluster), pods), row('one namespace relabelled', before, relabelled(cluster), pods)]);
}
