import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import { generateCertificates } from '../../src/certs/generate-certificates.js';
import { staticTls } from '../../src/certs/tls-source.js';
import type { Config } from '../../src/guardrails/config.js';
import type { Namespace } from '../../src/model/namespace.js';
import type { NetworkPolicy } from '../../src/model/network-policy.js';
import type { Pod } from '../../src/model/pod.js';
import type { Service } from '../../src/model/service.js';
import { podsOf } from '../../src/model/workload.js';
import type { Workload } from '../../src/model/workload.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { decodeObject } from '../../src/k8s/object.js';
import { buildApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { StandaloneContext } from '../../src/server/standalone-context.js';
import { EditableState } from '../../src/state/editable-state.js';
import { MemoryState } from '../../src/state/memory-state.js';

/** Test helpers for the webhook: states from YAML, a real HTTPS app, reviews from captured fixtures. */

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'admission');
const KUBE_SYSTEM = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'cluster', 'kube-system.yaml'), 'utf8');

/**
 * soundNamespace is a namespace with its guardrails in place, as YAML documents: default-deny both
 * ways (`default-deny`) and egress to cluster DNS on 53/UDP and 53/TCP (`allow-dns`).
 */
export function soundNamespace(name: string, labels: Readonly<Record<string, string>> = {}): string {
  const labelText = Object.entries(labels).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(', ');
  return `apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: {${labelText}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: ${name}}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-dns, namespace: ${name}}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
`;
}

/** stateOf builds a state from YAML documents, on top of kube-system with CoreDNS; workloads stand for their pods as in a state from files. */
export function stateOf(yaml: string): MemoryState {
  const objects = { namespaces: [] as Namespace[], pods: [] as Pod[], services: [] as Service[], policies: [] as NetworkPolicy[] };
  const workloads: Workload[] = [];
  for (const document of parseAllDocuments(`${KUBE_SYSTEM}\n---\n${yaml}`)) {
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    const decoded = decodeObject(value);
    if (decoded.kind === 'Namespace') objects.namespaces.push(decoded.namespace);
    if (decoded.kind === 'Pod') objects.pods.push(decoded.pod);
    if (decoded.kind === 'Service') objects.services.push(decoded.service);
    if (decoded.kind === 'NetworkPolicy') objects.policies.push(decoded.policy);
    if (decoded.kind === 'Workload') workloads.push(decoded.workload);
  }
  return new MemoryState({ ...objects, pods: podsOf(objects.pods, workloads) });
}

/** fixture reads a captured AdmissionReview by its number, e.g. fixture('005'). */
export function fixture(number: string): Record<string, unknown> {
  const name = readdirSync(FIXTURES).find((file) => file.startsWith(`${number}-`));
  if (name === undefined) throw new Error(`no fixture ${number}`);
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** LogLines collects the app's log lines as objects, so tests assert on them. */
export class LogLines {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) this.lines.push(JSON.parse(line));
      done();
    },
  });
}

const CERTS = generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });

/** CA is the certificate authority the test servers' certificates chain to. */
export const CA = CERTS.caCert;

/** TestWebhook is a running HTTPS netfence on loopback, with its context, metrics and logs. */
export interface TestWebhook {
  readonly app: FastifyInstance;
  readonly context: StandaloneContext;
  readonly metrics: Metrics;
  readonly logs: LogLines;
}

/** startWebhook serves netfence over real TLS on 127.0.0.1 with a state and a config. */
export async function startWebhook(yaml: string, config: Partial<Config> = {}): Promise<TestWebhook> {
  const context = new StandaloneContext(new EditableState(stateOf(yaml)), { ...defaultConfig(), ...config });
  const metrics = new Metrics({ processMetrics: false });
  const logs = new LogLines();
  const app = buildApp({ context, metrics, logger: pino({ level: 'info' }, logs.stream), tls: staticTls({ key: CERTS.key, cert: CERTS.cert }), ready: () => true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, context, metrics, logs };
}

/** ReviewFields are the parts of a captured review a test replaces. */
export interface ReviewFields {
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE';
  readonly namespace: string;
  readonly name: string;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly user?: { readonly username: string; readonly groups: readonly string[] };
  /** resource and kind replace the captured request's (and its requestResource and requestKind): another resource, posted the same way. */
  readonly resource?: { readonly group: string; readonly version: string; readonly resource: string };
  readonly kind?: { readonly group: string; readonly version: string; readonly kind: string };
}

/**
 * reviewFrom makes a new AdmissionReview from a captured one (same shape, same headers of the
 * request body), replacing what the test changes: operation, names, objects and user, and the
 * resource and kind for a resource no capture holds.
 */
export function reviewFrom(template: string, fields: ReviewFields): Record<string, unknown> {
  const review = fixture(template);
  const request = review['request'];
  if (typeof request !== 'object' || request === null) throw new Error(`fixture ${template} has no request`);
  return {
    ...review,
    request: {
      ...request,
      uid: `test-${Math.random().toString(16).slice(2)}`,
      operation: fields.operation,
      namespace: fields.namespace,
      name: fields.name,
      object: fields.operation === 'DELETE' ? null : (fields.object ?? null),
      oldObject: fields.oldObject ?? null,
      userInfo: fields.user ?? { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
      ...(fields.resource === undefined ? {} : { resource: fields.resource, requestResource: fields.resource }),
      ...(fields.kind === undefined ? {} : { kind: fields.kind, requestKind: fields.kind }),
    },
  };
}
