// Intents benchmark (issue 20): `netfence intents generate` on 1,000 ClientIntents over 200
// namespaces and 2,000 workloads (10 Deployments a namespace, each with one pod and a Service; the
// first five of each namespace are clients, each calling three servers: a Service in its namespace,
// a workload in its namespace, and a Service or a workload one namespace over), and on the same
// cluster cut to 20 and 50 namespaces, to show how the cost grows. Timed: the generation
// (generateIntentPolicies) plus the proof (proveIntentPolicies), against the pair-by-pair evaluation
// the proof stands for, measured in the same run: evaluateConnection, on the state with the
// generated policies in place, for every client pod against every governed pod on every port the
// intents declare. That baseline runs on every SAMPLE_EVERY-th client and is scaled up; on those
// clients each verdict must be what the intents declare (the ports of the targets that client names,
// resolved on the target pod), or the run fails. A proof that takes longer than LONG_MS is timed
// once (it needs no warm-up), else as the median of three.
import { defaultConfig } from '../dist/config/defaults.js';
import { evaluateConnection } from '../dist/engine/connection.js';
import { resolveEssentialServices } from '../dist/guardrails/resolve-essential-services.js';
import { generateIntentPolicies } from '../dist/intents/generate.js';
import { proveIntentPolicies } from '../dist/intents/prove.js';
import { withPolicies } from '../dist/model/cluster-state.js';
import { parseIp } from '../dist/model/ip.js';
import { decodeNetworkPolicy } from '../dist/k8s/network-policy.js';
import { MemoryState } from '../dist/state/memory-state.js';
import { formatMs, measure, printTable } from './measure.mjs';

const SCALES = [20, 50, 200]; // namespaces; the last is the benchmark's 1,000 ClientIntents
const WORKLOADS_PER_NAMESPACE = 10;
const CLIENTS_PER_NAMESPACE = 5;
const SAMPLE_EVERY = 20;
const LONG_MS = 5_000;

/** The kinds of server a workload is, in turn: its container ports and its Service's target ports (named or not). */
const SERVER_SHAPES = [
  { containerPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }], servicePorts: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] },
  { containerPorts: [{ name: 'grpc', port: 9090, protocol: 'TCP' }], servicePorts: [{ name: 'grpc', port: 9090, protocol: 'TCP', targetPort: 9090 }] },
  { containerPorts: [{ name: 'postgres', port: 5432, protocol: 'TCP' }], servicePorts: [{ name: 'postgres', port: 5432, protocol: 'TCP', targetPort: 'postgres' }] },
  { containerPorts: [{ name: 'redis', port: 6379, protocol: 'TCP' }, { name: 'metrics', port: 9121, protocol: 'TCP' }], servicePorts: [{ name: 'redis', port: 6379, protocol: 'TCP', targetPort: 6379 }] },
  { containerPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }], servicePorts: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }, { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' }] },
];

const namespaceName = (n) => `team-${String(n).padStart(3, '0')}`;
const workloadName = (w) => `app-${w}`;

/** intentsCluster builds the state of `namespaceCount` namespaces (each with a default-deny, workloads' pods, Services; CoreDNS) and its ClientIntents. */
function intentsCluster(namespaceCount) {
  const namespaces = [{ name: 'kube-system', labels: new Map([['kubernetes.io/metadata.name', 'kube-system']]) }];
  const pods = [];
  const services = [];
  const policies = [];
  for (const [index, name] of ['coredns-5d78c9869d-4xk2p', 'coredns-5d78c9869d-q8zt7'].entries()) {
    pods.push({ namespace: 'kube-system', name, labels: new Map([['k8s-app', 'kube-dns'], ['pod-template-hash', '5d78c9869d']]), ips: [parseIp(`10.244.${index}.10`)], containerPorts: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] });
  }
  services.push({ namespace: 'kube-system', name: 'kube-dns', selector: new Map([['k8s-app', 'kube-dns']]), clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }] });
  for (let n = 0; n < namespaceCount; n++) {
    const namespace = namespaceName(n);
    namespaces.push({ name: namespace, labels: new Map([['kubernetes.io/metadata.name', namespace], ['netfence.io/baseline', 'default']]) });
    policies.push(
      decodeNetworkPolicy({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny', namespace },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress', 'Egress'],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
        },
      }),
    );
    for (let w = 0; w < WORKLOADS_PER_NAMESPACE; w++) {
      const name = workloadName(w);
      const shape = SERVER_SHAPES[(n + w) % SERVER_SHAPES.length];
      const hash = `${(n * 31 + w).toString(16).padStart(5, '0')}b7c9`;
      pods.push({
        namespace,
        name: `${name}-${hash}-x${w}q${n}`,
        labels: new Map([['app', name], ['team', namespace], ['pod-template-hash', hash]]),
        ips: [parseIp(`10.${1 + (n >> 8)}.${n & 255}.${w + 1}`)],
        containerPorts: shape.containerPorts,
        workload: { kind: 'Deployment', name, template: false },
      });
      services.push({ namespace, name, selector: new Map([['app', name]]), clusterIPs: [], ports: shape.servicePorts });
    }
  }
  const intents = [];
  for (let n = 0; n < namespaceCount; n++) {
    const namespace = namespaceName(n);
    const next = namespaceName((n + 1) % namespaceCount);
    for (let c = 0; c < CLIENTS_PER_NAMESPACE; c++) {
      const server = (k) => workloadName(CLIENTS_PER_NAMESPACE + ((c + k) % (WORKLOADS_PER_NAMESPACE - CLIENTS_PER_NAMESPACE)));
      const targets = [
        { kind: 'service', field: 'spec.targets[0]', name: server(0), namespace },
        { kind: 'workload', field: 'spec.targets[1]', name: server(1), namespace, workloadKind: 'Deployment' },
        // One namespace over: a Service for even clients, a workload (any kind) for odd ones.
        c % 2 === 0
          ? { kind: 'service', field: 'spec.targets[2]', name: server(2), namespace: next }
          : { kind: 'workload', field: 'spec.targets[2]', name: workloadName((c + 1) % CLIENTS_PER_NAMESPACE), namespace: next, workloadKind: undefined },
      ];
      intents.push({ namespace, name: workloadName(c), apiVersion: 'k8s.otterize.com/v2beta1', client: { name: workloadName(c), kind: 'Deployment' }, targets });
    }
  }
  return { state: new MemoryState({ namespaces, pods, services, policies }), intents };
}

/** portsOf resolves a declared connection's ports on one target pod: numbers as they are, a named port by the pod's container port. */
function portsOf(connection, pod) {
  if (connection.ports === null) throw new Error('the benchmark declares no every-port target');
  return connection.ports.flatMap(({ protocol, range }) => {
    if (range.kind === 'numbers') return Array.from({ length: range.to - range.from + 1 }, (_, k) => `${range.from + k}/${protocol}`);
    if (range.kind === 'named') return pod.containerPorts.filter((port) => port.name === range.name && port.protocol === protocol).map((port) => `${port.port}/${protocol}`);
    throw new Error(`unexpected port range ${range.kind}`);
  });
}

/**
 * naiveSample evaluates every SAMPLE_EVERY-th client's pods against every governed pod on every
 * declared port, one connection at a time, and checks each verdict against the intents.
 */
function naiveSample(full, generated, governed, ports) {
  const clients = [...new Map(generated.connections.map((connection) => [`${connection.client.namespace}/${connection.client.name}`, connection.client])).values()];
  let pairs = 0;
  let verdicts = 0;
  let mismatches = 0;
  for (let i = 0; i < clients.length; i += SAMPLE_EVERY) {
    const client = clients[i];
    const mine = generated.connections.filter((connection) => connection.client === client);
    for (const source of client.pods) {
      const from = { kind: 'pod', pod: source };
      for (const target of governed) {
        if (target === source) continue; // a pod may always reach itself
        pairs++;
        const declared = new Set(mine.flatMap((connection) => (connection.to.kind === 'pods' && connection.to.server.pods.includes(target) ? portsOf(connection, target) : [])));
        const to = { kind: 'pod', pod: target };
        for (const port of ports) {
          verdicts++;
          if (evaluateConnection(full, from, to, port).allowed !== declared.has(`${port.port}/${port.protocol}`)) mismatches++;
        }
      }
    }
  }
  return { clients: Math.ceil(clients.length / SAMPLE_EVERY), pairs, verdicts, mismatches };
}

/** timeProof runs the proof once, and again for a median of three when one run is short. */
function timeProof(prove) {
  const start = process.hrtime.bigint();
  prove();
  const once = Number(process.hrtime.bigint() - start) / 1e6;
  return once > LONG_MS ? once : measure(prove, { rounds: 3, seconds: 0 });
}

/** intentsRow generates and proves the intents of a cluster of `namespaces` namespaces, and times the per-pair baseline on it. */
function intentsRow(namespaces) {
  const { state, intents } = intentsCluster(namespaces);
  const config = defaultConfig();
  const essentials = resolveEssentialServices(state, config);
  let generated;
  let proof;
  const generateMs = measure(() => {
    generated = generateIntentPolicies(state, intents, essentials);
  }, { rounds: 3, seconds: 0 });
  const proveMs = timeProof(() => {
    proof = proveIntentPolicies(state, generated, config, essentials);
  });
  if (generated.notices.length > 0) throw new Error(`unexpected notices: ${generated.notices.slice(0, 3).join('; ')}`);
  if (proof.failures.length > 0 || proof.openedElsewhere.length > 0) throw new Error(`the proof did not hold: ${[...proof.failures, ...proof.openedElsewhere.map((o) => `${o.from} -> ${o.to}`)].slice(0, 3).join('; ')}`);

  const full = withPolicies(state, generated.policies);
  const governed = [...new Set(generated.connections.flatMap((connection) => [...connection.client.pods, ...(connection.to.kind === 'pods' ? connection.to.server.pods : [])]))];
  const ports = [...new Set(generated.connections.flatMap((connection) => (connection.to.kind === 'pods' ? connection.to.server.pods.flatMap((pod) => portsOf(connection, pod)) : [])))]
    .sort()
    .map((key) => {
      const [port, protocol] = key.split('/');
      return { port: Number(port), protocol };
    });
  const start = process.hrtime.bigint();
  const naive = naiveSample(full, generated, governed, ports);
  const sampleMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (naive.mismatches > 0) throw new Error(`evaluateConnection disagrees with the intents on ${naive.mismatches} of ${naive.verdicts} sampled verdicts`);
  const naiveMs = sampleMs * SAMPLE_EVERY;
  const totalMs = generateMs + proveMs;
  const ratio = naiveMs / totalMs;
  return {
    intents: intents.length.toLocaleString('en'),
    workloads: (state.pods().length - 2).toLocaleString('en'),
    policies: generated.policies.length.toLocaleString('en'),
    'proof pairs': proof.pairs.toLocaleString('en'),
    'generate + proof': `${formatMs(totalMs)} (${formatMs(generateMs)} + ${formatMs(proveMs)})`,
    [`per pair x declared ports`]: `${formatMs(naiveMs)} (${ports.length} ports; 1/${SAMPLE_EVERY} of clients: ${formatMs(sampleMs)}, ${naive.verdicts.toLocaleString('en')} verdicts agree)`,
    speedup: ratio >= 1 ? `${ratio.toFixed(1)}x` : `${ratio.toFixed(2)}x (slower)`,
  };
}

/** runIntentsBenchmarks prints the table. */
export async function runIntentsBenchmarks() {
  console.log(`\n## netfence intents generate (generate + proof) vs evaluateConnection per pair and declared port (${SCALES.map((n) => n * CLIENTS_PER_NAMESPACE).join(', ')} ClientIntents over ${SCALES.join(', ')} namespaces)\n`);
  printTable(SCALES.map(intentsRow));
}
