import { createServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { generateCertificates } from '../../src/certs/generate-certificates.js';
import { applyJsonPatch, mergePatch, sameJson } from './json-patch.js';
import type { Json } from './json-patch.js';

/**
 * FakeApiServer speaks the Kubernetes REST and watch protocol on loopback (HTTPS, bearer token),
 * for the resources netfence uses, so that @kubernetes/client-node itself runs in tests: list with
 * resourceVersion, watch streams of ADDED/MODIFIED/DELETED/BOOKMARK events, 410 Gone for a
 * compacted resourceVersion, create (409 AlreadyExists), replace (409 Conflict on a stale
 * resourceVersion), delete, get, and PATCH (JSON merge, JSON Patch, strategic merge as far as it
 * is a merge patch; see patch()). Tests can cut watches, compact history and inject failures.
 *
 * Optional groups are served only once a test installs them, as a CRD would be: PolicyReports
 * (wgpolicyk8s.io) and ClientIntents (k8s.otterize.com, as netfence's chart installs the CRD:
 * v2beta1 stored, v2alpha1 served too, with conversion None, so an object read in either version
 * is the same object with that apiVersion; `install('k8s.otterize.com', ['v2alpha1'])` serves one
 * version, as an older CRD would). Custom resources are not validated against a schema (netfence
 * never writes them; tests put them).
 *
 * Real kubectl works against it too (test/cluster/kubectl.test.ts): GET /version answers
 * v1.28.7, /api and /apis the aggregated discovery document kubectl asks for (or the legacy
 * APIVersions and APIGroupList), /api/v1 and /apis/GROUP/VERSION their APIResourceList with
 * short names (ns, po, svc, ev, netpol); `kubectl get` without -o gets a meta.k8s.io Table for
 * Namespaces, NetworkPolicies and Leases (the v1.28 printers' columns) and the plain list for the
 * other kinds, which kubectl prints as NAME and AGE itself; labelSelector and fieldSelector take
 * the API server's syntax, and a field a kind does not index is a 400 (Events index
 * involvedObject.*, for `kubectl events --for`). Not served: server-side apply (500, saying so),
 * Tables on watches (`kubectl get -w`), subresources, deletecollection; and a PUT that changes
 * nothing still writes (a PATCH does not, as in the API server).
 *
 * Where netfence depends on what a real kube-apiserver refuses, the fake refuses it the same way,
 * with the same Status (../shared/fixtures/apiserver holds the recorded answers, and
 * test/cluster/fake-apiserver.test.ts replays them): a create or update in a namespace that does
 * not exist (404, NamespaceLifecycle admission), an Event whose involvedObject.namespace does not
 * match its own namespace (422), unknown NetworkPolicy fields under fieldValidation=Strict (400;
 * dropped, with a Warning header, under Warn or by default; dropped silently under Ignore), and
 * dryRun=All. Every NotFound, AlreadyExists and Conflict names the resource as the API server does
 * (`leases.coordination.k8s.io "x" not found`, with details). A test's own put() and remove() are
 * another client's writes that already happened: they are not checked.
 */

type KubeObject = { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; [key: string]: unknown }; [key: string]: unknown };

interface Resource {
  readonly group: string; // '' for core
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** shortNames and categories are the API server's (kubectl get ns, netpol; get all). */
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
}

const RESOURCES: readonly Resource[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'], categories: [] },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'] },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'] },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], categories: [] },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, shortNames: [], categories: [] },
  // kubectl describe namespace lists these two: empty lists, as in a cluster that has none.
  { group: '', version: 'v1', plural: 'resourcequotas', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'], categories: [] },
  { group: '', version: 'v1', plural: 'limitranges', kind: 'LimitRange', namespaced: true, shortNames: ['limits'], categories: [] },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'] },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'] },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'] },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', namespaced: false, shortNames: [], categories: ['api-extensions'] },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false, shortNames: [], categories: ['api-extensions'] },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'], categories: [] },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true, shortNames: [], categories: [] },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true, shortNames: [], categories: [] },
  // The ClientIntents CRD as netfence's chart installs it: v2beta1 served and stored, v2alpha1 served
  // (conversion None: the same object, its apiVersion changed). The first version listed is the one stored.
  { group: 'k8s.otterize.com', version: 'v2beta1', plural: 'clientintents', kind: 'ClientIntents', namespaced: true, shortNames: [], categories: [] },
  { group: 'k8s.otterize.com', version: 'v2alpha1', plural: 'clientintents', kind: 'ClientIntents', namespaced: true, shortNames: [], categories: [] },
  { group: 'wgpolicyk8s.io', version: 'v1alpha2', plural: 'policyreports', kind: 'PolicyReport', namespaced: true, shortNames: ['polr'], categories: [] },
];

/**
 * GROUP_ORDER is the order kube-apiserver lists the groups the fake serves in (by the aggregator's
 * group priority: apps 17800, networking 17200, admissionregistration 16700, coordination 16500,
 * discovery 16200; CRDs' groups come after the built-in ones, all at 1000, by name). kubectl
 * resolves a name that two groups share by this order.
 */
const GROUP_ORDER = ['', 'apps', 'networking.k8s.io', 'admissionregistration.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'k8s.otterize.com', 'wgpolicyk8s.io'];

/** VERBS are the verbs the fake serves on every resource (no deletecollection, no subresources). */
const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * VERSION is kube-apiserver v1.28.7's version.Info (GET /version): the release's commit and Go
 * version; buildDate is the release build's as kubeadm v1.28.7 prints it (each binary's differs
 * by minutes). kubectl compares it with its own for the skew warning; gcloud's kubectl dispatcher
 * runs its kubectl.1.28 for it.
 */
const VERSION = {
  major: '1',
  minor: '28',
  gitVersion: 'v1.28.7',
  gitCommit: 'c8dcb00be9961ec36d141d2e4103f85f92bcf291',
  gitTreeState: 'clean',
  buildDate: '2024-02-14T10:39:01Z',
  goVersion: 'go1.21.7',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** AGGREGATED_DISCOVERY is the media type of the aggregated discovery document v1.28 serves (v2 came in 1.30). */
const AGGREGATED_DISCOVERY = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** OPTIONAL_GROUPS are served only when a test installs them, as CRDs are. */
const OPTIONAL_GROUPS = new Set(['wgpolicyk8s.io', 'k8s.otterize.com']);

/**
 * SYSTEM_NAMESPACES are made by the API server itself (and it refuses to delete default,
 * kube-system and kube-public): requests into them are admitted even when no test put them. They
 * are not listed unless a test puts them, so a test's lists hold only what it wrote.
 */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** Shape is the part of an OpenAPI schema strict decoding needs: which field names exist where. */
type Shape = 'any' | { readonly fields: Readonly<Record<string, Shape>> } | { readonly items: Shape };

const LABEL_SELECTOR: Shape = { fields: { matchLabels: 'any', matchExpressions: { items: { fields: { key: 'any', operator: 'any', values: 'any' } } } } };

/** OBJECT_META is metav1.ObjectMeta as of Kubernetes 1.28 (clusterName went in 1.25). */
const OBJECT_META: Shape = {
  fields: {
    name: 'any',
    generateName: 'any',
    namespace: 'any',
    selfLink: 'any',
    uid: 'any',
    resourceVersion: 'any',
    generation: 'any',
    creationTimestamp: 'any',
    deletionTimestamp: 'any',
    deletionGracePeriodSeconds: 'any',
    labels: 'any',
    annotations: 'any',
    ownerReferences: { items: { fields: { apiVersion: 'any', kind: 'any', name: 'any', uid: 'any', controller: 'any', blockOwnerDeletion: 'any' } } },
    finalizers: 'any',
    managedFields: { items: { fields: { manager: 'any', operation: 'any', apiVersion: 'any', time: 'any', fieldsType: 'any', fieldsV1: 'any', subresource: 'any' } } },
  },
};

const NETWORK_POLICY_PEER: Shape = { fields: { podSelector: LABEL_SELECTOR, namespaceSelector: LABEL_SELECTOR, ipBlock: { fields: { cidr: 'any', except: 'any' } } } };
const NETWORK_POLICY_PORT: Shape = { fields: { protocol: 'any', port: 'any', endPort: 'any' } };

/** SCHEMAS are the kinds whose unknown fields the fake knows: networking.k8s.io/v1 NetworkPolicy as of 1.28 (its alpha `status` was removed in 1.28). */
const SCHEMAS: ReadonlyMap<string, Shape> = new Map([
  [
    'NetworkPolicy',
    {
      fields: {
        apiVersion: 'any',
        kind: 'any',
        metadata: OBJECT_META,
        spec: {
          fields: {
            podSelector: LABEL_SELECTOR,
            ingress: { items: { fields: { ports: { items: NETWORK_POLICY_PORT }, from: { items: NETWORK_POLICY_PEER } } } },
            egress: { items: { fields: { ports: { items: NETWORK_POLICY_PORT }, to: { items: NETWORK_POLICY_PEER } } } },
            policyTypes: 'any',
          },
        },
      },
    },
  ],
]);

interface WatchEvent {
  readonly rv: number;
  readonly plural: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: KubeObject;
}

interface Watcher {
  /** resource is what was watched: its version is the one the events are sent in. */
  readonly resource: Resource;
  readonly namespace: string | undefined;
  readonly selector: Selector;
  readonly response: ServerResponse;
}

/** Selector is a labelSelector and a fieldSelector together, as the API server applies them to a list or a watch. */
type Selector = (object: KubeObject) => boolean;

/**
 * FIELD_LABELS are the fields a fieldSelector may name, per kind, as v1.28 registers them (core/v1
 * AddFieldLabelConversionFuncs); every other kind takes only metadata.name and metadata.namespace.
 */
const FIELD_LABELS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Pod', ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName']],
  [
    'Event',
    ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type', 'metadata.namespace', 'metadata.name'],
  ],
  ['Namespace', ['status.phase', 'metadata.name']],
  ['Secret', ['type', 'metadata.namespace', 'metadata.name']],
]);

/** fieldValue is what a fieldSelector compares: the field as a string, '' when it is not set (an Event's `source` is its source.component). */
function fieldValue(object: KubeObject, label: string): string {
  const path = label === 'source' ? ['source', 'component'] : label.split('.');
  let value: unknown = object;
  for (const step of path) value = isRecord(value) ? value[step] : undefined;
  if (label === 'spec.hostNetwork') return String(value === true);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

/** splitUnescaped splits a selector at top-level commas: not escaped (`\,`, fields) and not inside parentheses (`in (a,b)`, labels). */
function splitUnescaped(text: string): string[] {
  const terms: string[] = [];
  let term = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (char === '\\') {
      term += char + (text[i + 1] ?? '');
      i++;
    } else if (char === ',' && depth === 0) {
      terms.push(term);
      term = '';
    } else {
      if (char === '(') depth++;
      if (char === ')') depth--;
      term += char;
    }
  }
  terms.push(term);
  return terms.map((part) => part.trim()).filter((part) => part !== '');
}

/**
 * fieldSelectorOf parses a fieldSelector as fields.ParseSelector does (`a=b`, `a==b`, `a!=b`,
 * comma-separated, `\,` `\=` `\\` escaped) and refuses a field the kind does not index as the
 * API server does (400).
 */
function fieldSelectorOf(resource: Resource, text: string): Selector | Failure {
  const allowed = FIELD_LABELS.get(resource.kind);
  const tests: Selector[] = [];
  for (const term of splitUnescaped(text)) {
    const match = /^((?:[^\\=!]|\\.)*)(!=|==|=)((?:[^\\]|\\.)*)$/.exec(term);
    if (match === null) return failure(400, 'BadRequest', `invalid selector: '${text}'; can't understand '${term}'`);
    const [, label = '', operator = '', escaped = ''] = match;
    const value = escaped.replace(/\\(.)/g, '$1');
    if (allowed === undefined ? label !== 'metadata.name' && label !== 'metadata.namespace' : !allowed.includes(label)) {
      const message = allowed === undefined ? `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"` : `field label not supported: ${label}`;
      return failure(400, 'BadRequest', message);
    }
    tests.push(operator === '!=' ? (object) => fieldValue(object, label) !== value : (object) => fieldValue(object, label) === value);
  }
  return (object) => tests.every((test) => test(object));
}

const LABEL_KEY = String.raw`[A-Za-z0-9][-A-Za-z0-9_./]*`;
const LABEL_VALUE = String.raw`[-A-Za-z0-9_.]*`;

/**
 * labelSelectorOf parses a labelSelector as labels.Parse does: `k=v`, `k==v`, `k!=v` (true when k
 * is not set), `k in (a,b)`, `k notin (a,b)` (true when k is not set), `k`, `!k`.
 */
function labelSelectorOf(text: string): Selector | Failure {
  const tests: Array<(labels: Record<string, unknown>) => boolean> = [];
  for (const term of splitUnescaped(text)) {
    const equality = new RegExp(`^(${LABEL_KEY})\\s*(!=|==|=)\\s*(${LABEL_VALUE})$`).exec(term);
    const set = new RegExp(`^(${LABEL_KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`).exec(term);
    const exists = new RegExp(`^(!?)\\s*(${LABEL_KEY})$`).exec(term);
    if (equality !== null) {
      const [, key = '', operator = '', value = ''] = equality;
      tests.push(operator === '!=' ? (labels) => labels[key] !== value : (labels) => labels[key] === value);
    } else if (set !== null) {
      const [, key = '', operator = '', list = ''] = set;
      const values = list.split(',').map((value) => value.trim());
      tests.push(operator === 'in' ? (labels) => Object.hasOwn(labels, key) && values.includes(String(labels[key])) : (labels) => !Object.hasOwn(labels, key) || !values.includes(String(labels[key])));
    } else if (exists !== null) {
      const [, not = '', key = ''] = exists;
      tests.push(not === '!' ? (labels) => !Object.hasOwn(labels, key) : (labels) => Object.hasOwn(labels, key));
    } else {
      return failure(400, 'BadRequest', `unable to parse requirement: ${term}`);
    }
  }
  return (object) => {
    const labels = isRecord(object.metadata['labels']) ? object.metadata['labels'] : {};
    return tests.every((test) => test(labels));
  };
}

/** selectorOf reads a request's labelSelector and fieldSelector; a Failure is the 400 the API server answers a bad one with. */
function selectorOf(resource: Resource, params: URLSearchParams): Selector | Failure {
  const labels = labelSelectorOf(params.get('labelSelector') ?? '');
  if (typeof labels !== 'function') return labels;
  const fields = fieldSelectorOf(resource, params.get('fieldSelector') ?? '');
  if (typeof fields !== 'function') return fields;
  return (object) => labels(object) && fields(object);
}

/** RequestLog is one request the fake server answered, for assertions. */
export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

const TOKEN = 'fake-apiserver-token';

export class FakeApiServer {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private resourceVersion = 1;
  private compactedBelow = 0;
  private failures: number[] = [];
  /** installedGroups: the optional groups installed, each with the versions served (undefined: every version the fake knows). */
  private readonly installedGroups = new Map<string, readonly string[] | undefined>();
  private hangs = 0;
  private slow: number[] = [];
  private compactions = 0;
  /** address is host:port, as /api's serverAddressByClientCIDRs gives it. */
  private address = '';
  readonly requests: RequestLog[] = [];
  private readonly certs = generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });
  private readonly server: Server = createServer({ key: this.certs.key, cert: this.certs.cert }, (request, response) => {
    this.handle(request, response).catch((error: unknown) => {
      this.send(request, response, 500, status(500, 'InternalError', String(error)));
    });
  });

  /** start listens on 127.0.0.1 and returns a KubeConfig for it. */
  async start(): Promise<KubeConfig> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.address = `127.0.0.1:${port}`;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: `https://127.0.0.1:${port}`, caData: Buffer.from(this.certs.caCert).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'netfence', token: TOKEN }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'netfence' }],
      currentContext: 'fake',
    });
    return kubeConfig;
  }

  async stop(): Promise<void> {
    this.cutWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** put creates or replaces an object directly, as another client would, and notifies watchers. */
  put(object: KubeObject): KubeObject {
    const resource = resourceOfKind(object.kind ?? '');
    const key = keyOf(object.metadata.namespace, object.metadata.name);
    const existing = this.store(resource.plural).get(key);
    return this.write(resource, key, object, existing === undefined ? 'ADDED' : 'MODIFIED');
  }

  /** remove deletes an object directly and notifies watchers. */
  remove(kind: string, namespace: string | undefined, name: string): void {
    const resource = resourceOfKind(kind);
    const key = keyOf(namespace, name);
    const existing = this.store(resource.plural).get(key);
    if (existing === undefined) return;
    this.store(resource.plural).delete(key);
    this.record(resource.plural, 'DELETED', { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.resourceVersion) } });
  }

  /** get reads an object as stored. */
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store(resourceOfKind(kind).plural).get(keyOf(namespace, name));
  }

  /** list reads every stored object of a kind. */
  list(kind: string): KubeObject[] {
    return [...this.store(resourceOfKind(kind).plural).values()];
  }

  /** cutWatches ends every open watch stream, as a restarting API server or a proxy timeout would. */
  cutWatches(): void {
    for (const watcher of this.watchers) watcher.response.destroy();
    this.watchers.clear();
  }

  /** endWatches closes every open watch stream cleanly, as the API server does when a watch's timeout is up. */
  endWatches(): void {
    for (const watcher of this.watchers) watcher.response.end();
    this.watchers.clear();
  }

  /** compact forgets history: watches from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.compactedBelow = this.resourceVersion + 1;
    this.compactions++;
  }

  /** bookmark sends a BOOKMARK event with the current resourceVersion to every watcher that asked. */
  bookmark(): void {
    for (const watcher of this.watchers) {
      const resource = watcher.resource;
      const event = { type: 'BOOKMARK', object: { apiVersion: apiVersionOf(resource), kind: resource.kind, metadata: { resourceVersion: String(this.resourceVersion) } } };
      watcher.response.write(`${JSON.stringify(event)}\n`);
    }
  }

  /** hangNext leaves the next `count` requests unanswered, as an overloaded API server would. */
  hangNext(count: number): void {
    this.hangs += count;
  }

  /** slowNext answers each of the next `count` requests only after `delayMs`, as a busy API server would. */
  slowNext(count: number, delayMs: number): void {
    for (let i = 0; i < count; i++) this.slow.push(delayMs);
  }

  /** failNext answers the next requests with these HTTP statuses (e.g. [500, 500]). */
  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  /**
   * install serves an optional API group, as installing its CRD would (e.g. 'wgpolicyk8s.io'), in
   * the versions given (default: every version the fake knows, e.g. v2beta1 and v2alpha1 for
   * 'k8s.otterize.com'); uninstall stops serving it, as deleting the CRD would (its objects stay in
   * the fake's store, where the API server would delete them: remove() them first).
   */
  install(group: string, versions?: readonly string[]): void {
    this.installedGroups.set(group, versions);
  }

  uninstall(group: string): void {
    this.installedGroups.delete(group);
    for (const watcher of this.watchers) {
      if (watcher.resource.group !== group) continue;
      watcher.response.end();
      this.watchers.delete(watcher);
    }
  }

  /** isServed says whether a resource is served: built in, or of an optional group installed in its version. */
  private isServed(resource: Resource): boolean {
    if (!OPTIONAL_GROUPS.has(resource.group)) return true;
    if (!this.installedGroups.has(resource.group)) return false;
    const versions = this.installedGroups.get(resource.group);
    return versions === undefined || versions.includes(resource.version);
  }

  /** watchCount is how many watch streams are open. */
  watchCount(): number {
    return this.watchers.size;
  }

  private store(plural: string): Map<string, KubeObject> {
    let store = this.objects.get(plural);
    if (store === undefined) {
      store = new Map();
      this.objects.set(plural, store);
    }
    return store;
  }

  private write(resource: Resource, key: string, object: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    const stored = this.stored(resource, key, object, String(++this.resourceVersion));
    this.store(resource.plural).set(key, stored);
    this.record(resource.plural, type, stored);
    return stored;
  }

  /**
   * stored is the object as the API server would keep it under `key`, at `resourceVersion`: its
   * uid and creationTimestamp (the time of the create, in RFC 3339 seconds), and for a Namespace
   * what namespaceStrategy adds: the kubernetes.io/metadata.name label, the `kubernetes` finalizer
   * and phase Active (kept across updates).
   */
  private stored(resource: Resource, key: string, object: KubeObject, resourceVersion: string): KubeObject {
    const existing = this.store(resource.plural).get(key);
    const stored: KubeObject = {
      ...object,
      apiVersion: apiVersionOf(storageOf(resource)),
      kind: resource.kind,
      metadata: {
        ...object.metadata,
        uid: existing?.metadata.uid ?? `uid-${this.resourceVersion}`,
        resourceVersion,
        creationTimestamp: existing?.metadata['creationTimestamp'] ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    if (resource.kind === 'Namespace') {
      const labels = typeof stored.metadata['labels'] === 'object' && stored.metadata['labels'] !== null ? stored.metadata['labels'] : {};
      stored.metadata['labels'] = { ...labels, 'kubernetes.io/metadata.name': stored.metadata.name };
      const spec = isRecord(object['spec']) ? object['spec'] : {};
      const existingSpec = isRecord(existing?.['spec']) ? existing['spec'] : {};
      stored['spec'] = { ...spec, finalizers: spec['finalizers'] ?? existingSpec['finalizers'] ?? ['kubernetes'] };
      stored['status'] = object['status'] ?? existing?.['status'] ?? { phase: 'Active' };
    }
    return stored;
  }

  private record(plural: string, type: WatchEvent['type'], object: KubeObject): void {
    const event: WatchEvent = { rv: Number(object.metadata.resourceVersion), plural, type, object };
    this.history.push(event);
    for (const watcher of this.watchers) {
      if (watcher.resource.plural === plural && (watcher.namespace === undefined || watcher.namespace === object.metadata.namespace) && watcher.selector(object)) {
        watcher.response.write(`${JSON.stringify({ type, object: servedAs(watcher.resource, object) })}\n`);
      }
    }
  }

  /** namespaceExists says whether requests into a namespace are admitted: it is stored, or the API server's own. */
  private namespaceExists(namespace: string): boolean {
    return SYSTEM_NAMESPACES.has(namespace) || this.store('namespaces').has(keyOf(undefined, namespace));
  }

  private send(request: IncomingMessage, response: ServerResponse, code: number, body: unknown, warnings: readonly string[] = [], contentType = 'application/json'): void {
    this.requests.push({ method: request.method ?? '', path: request.url ?? '', status: code });
    // The API server sends each warning as a `Warning: 299 - "text"` header (RFC 7234 warn-code 299).
    if (warnings.length > 0) response.setHeader('warning', warnings.map((text) => `299 - ${JSON.stringify(text)}`));
    response.writeHead(code, { 'content-type': contentType });
    response.end(JSON.stringify(body));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.headers.authorization !== `Bearer ${TOKEN}`) return this.send(request, response, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if (this.hangs > 0) {
      this.hangs--;
      this.requests.push({ method: request.method ?? '', path: request.url ?? '', status: 0 });
      return; // never answered; the connection is closed by stop()
    }
    const delayMs = this.slow.shift();
    if (delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const injected = this.failures.shift();
    if (injected !== undefined) return this.send(request, response, injected, status(injected, 'InternalError', 'injected failure'));
    const url = new URL(request.url ?? '/', 'https://localhost');
    const method = request.method ?? 'GET';
    const discovery = method === 'GET' ? this.discovery(url.pathname, request.headers.accept ?? '') : undefined;
    if (discovery !== undefined) return this.send(request, response, 200, discovery.body, [], discovery.contentType);
    const route = parsePath(url.pathname);
    if (route !== undefined && !this.isServed(route.resource)) {
      return this.send(request, response, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    if (route === undefined) return this.send(request, response, 404, status(404, 'NotFound', `no route ${url.pathname}`));
    const { resource, namespace, name } = route;
    const store = this.store(resource.plural);
    const table = method === 'GET' ? tableRequest(request.headers.accept ?? '', url.searchParams.get('includeObject')) : undefined;
    if (method === 'GET' && name === undefined) {
      const selector = selectorOf(resource, url.searchParams);
      if (typeof selector !== 'function') return this.send(request, response, selector.code, selector);
      if (url.searchParams.get('watch') === 'true') return this.watch(request, response, resource, namespace, Number(url.searchParams.get('resourceVersion') ?? '0'), selector);
      const all = [...store.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, object]) => object)
        .filter((object) => (namespace === undefined || object.metadata.namespace === namespace) && selector(object));
      // Pages (limit, continue) as the API server serves them; a token older than the history is 410.
      const token = url.searchParams.get('continue');
      const { rv, offset, epoch } = token === null ? { rv: this.resourceVersion, offset: 0, epoch: this.compactions } : (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { rv: number; offset: number; epoch: number });
      if (epoch < this.compactions) return this.send(request, response, 410, status(410, 'Expired', 'The provided continue parameter is too old'));
      const limit = Number(url.searchParams.get('limit') ?? '0');
      const items = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
      const more = limit > 0 && offset + limit < all.length;
      const metadata = { resourceVersion: String(rv), ...(more ? { continue: Buffer.from(JSON.stringify({ rv, offset: offset + limit, epoch })).toString('base64') } : {}) };
      const asTable = table === undefined ? undefined : tableOf(resource, items, metadata, table);
      return this.send(request, response, 200, asTable ?? { apiVersion: apiVersionOf(resource), kind: `${resource.kind}List`, metadata, items: items.map((item) => servedAs(resource, item)) });
    }
    const key = keyOf(namespace, name);
    const existing = name === undefined ? undefined : store.get(key);
    // Reads and deletes are not admitted by NamespaceLifecycle: in a missing namespace they name the object.
    if (method === 'GET') {
      if (existing === undefined) return this.send(request, response, 404, notFound(resource, name ?? ''));
      const asTable = table === undefined ? undefined : tableOf(resource, [existing], { resourceVersion: existing.metadata.resourceVersion ?? '' }, table);
      return this.send(request, response, 200, asTable ?? servedAs(resource, existing));
    }
    const dryRun = url.searchParams.getAll('dryRun').includes('All');
    if (method === 'DELETE') {
      if (existing === undefined || name === undefined) return this.send(request, response, 404, notFound(resource, name ?? ''));
      if (!dryRun) this.remove(resource.kind, namespace, name);
      return this.send(request, response, 200, status(200, 'Success', 'deleted'));
    }
    if (method === 'PATCH') return this.patch(request, response, url.searchParams, resource, namespace, name, dryRun);
    if (method !== 'POST' && method !== 'PUT') return this.send(request, response, 405, status(405, 'MethodNotAllowed', method));
    // The order is the API server's: decode (strict fields), the namespace of the URL, admission
    // (NamespaceLifecycle), then for a create the name and validation, for an update the
    // resourceVersion and validation; storage last.
    const decoded = decode(resource, JSON.parse(await readBody(request)), url.searchParams.get('fieldValidation'));
    if ('failure' in decoded) return this.send(request, response, decoded.failure.code, decoded.failure);
    const { object: body, warnings } = decoded;
    if (namespace !== undefined && body.metadata.namespace !== undefined && body.metadata.namespace !== '' && body.metadata.namespace !== namespace) {
      return this.send(request, response, 400, failure(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
    }
    if (namespace !== undefined) body.metadata.namespace = namespace;
    if (method === 'POST') {
      if (namespace !== undefined && !this.namespaceExists(namespace)) return this.send(request, response, 404, notFound(resourceOfPlural('namespaces'), namespace));
      const generateName = body.metadata['generateName'];
      if ((body.metadata.name === undefined || body.metadata.name === '') && typeof generateName === 'string' && generateName !== '') {
        body.metadata.name = `${generateName}${generatedSuffix()}`;
      }
      const errors = [...(body.metadata.name === undefined || body.metadata.name === '' ? [required('metadata.name', 'name or generateName is required')] : []), ...validate(resource, body)];
      if (errors.length > 0) return this.send(request, response, 422, invalid(resource, body.metadata.name ?? '', errors));
      const createKey = keyOf(namespace, body.metadata.name);
      if (store.has(createKey)) return this.send(request, response, 409, failure(409, 'AlreadyExists', `${qualifiedResource(resource)} "${body.metadata.name}" already exists`, resourceDetails(resource, body.metadata.name)));
      const created = dryRun ? this.stored(resource, createKey, body, String(this.resourceVersion)) : this.write(resource, createKey, body, 'ADDED');
      return this.send(request, response, 201, servedAs(resource, created), warnings);
    }
    if (existing === undefined || name === undefined) return this.send(request, response, 404, notFound(resource, name ?? ''));
    if (namespace !== undefined && !this.namespaceExists(namespace)) return this.send(request, response, 404, notFound(resourceOfPlural('namespaces'), namespace));
    const expected = body.metadata.resourceVersion;
    if (expected !== undefined && expected !== existing.metadata.resourceVersion) return this.send(request, response, 409, conflict(resource, name));
    const errors = validate(resource, body);
    if (errors.length > 0) return this.send(request, response, 422, invalid(resource, name, errors));
    const replaced = dryRun ? this.stored(resource, key, body, existing.metadata.resourceVersion ?? '') : this.write(resource, key, body, 'MODIFIED');
    return this.send(request, response, 200, servedAs(resource, replaced), warnings);
  }

  /**
   * patch answers PATCH as the API server's patch handler does, in its order: the patch type (415),
   * the object (404; nothing is created), applying the patch to the stored object (400 for a body
   * that is no patch, 422 for one that does not apply), strict decoding of the result (422 under
   * fieldValidation=Strict, a Warning each under Warn, the default), the result's namespace and
   * name against the URL's (400), NamespaceLifecycle (404), the resourceVersion the result carries
   * (409 when it is not the stored one), validation (422), then storage: a new resourceVersion and
   * a MODIFIED event, or neither when the patch changed nothing (as etcd's GuaranteedUpdate).
   *
   * A strategic merge patch is applied as a JSON merge patch. That is what the API server does for
   * maps (labels, annotations) and for lists without a patch strategy (every list of a
   * NetworkPolicy's spec); elsewhere (a Pod's containers, finalizers, ownerReferences) it would
   * merge lists by key where a merge patch replaces them, and `$patch`-style directives mean
   * something: a strategic merge patch with a directive, or with a list outside a NetworkPolicy's
   * spec, is answered 500, naming this limit, rather than stored wrongly.
   */
  private async patch(request: IncomingMessage, response: ServerResponse, params: URLSearchParams, resource: Resource, namespace: string | undefined, name: string | undefined, dryRun: boolean): Promise<void> {
    const patchType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    // A CRD's resources take no strategic merge patch (it has no Go type to read strategies from).
    const accepted = OPTIONAL_GROUPS.has(resource.group) ? [JSON_PATCH, MERGE_PATCH, APPLY_PATCH] : [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];
    if (!accepted.includes(patchType)) return this.send(request, response, 415, failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`));
    if (patchType === APPLY_PATCH) return this.send(request, response, 500, failure(500, 'InternalError', 'fake apiserver: server-side apply (application/apply-patch+yaml) is not implemented'));
    const text = await readBody(request);
    const key = keyOf(namespace, name);
    const existing = this.store(resource.plural).get(key);
    if (existing === undefined || name === undefined) return this.send(request, response, 404, notFound(resource, name ?? ''));
    const fieldValidation = params.get('fieldValidation') ?? 'Warn';
    const patched = applyPatch(patchType, existing, text, resource.kind);
    if ('failure' in patched) return this.send(request, response, patched.failure.code, patched.failure);
    if (!isRecord(patched.value)) return this.send(request, response, 422, invalidPatch(JSON.stringify(patched.value), 'the patched document is not an object'));
    const unknownFields: string[] = [];
    const shape = SCHEMAS.get(resource.kind);
    const pruned = shape === undefined ? patched.value : prune(patched.value, shape, '', unknownFields);
    const texts = unknownFields.map((field) => `unknown field ${JSON.stringify(field)}`);
    if (texts.length > 0 && fieldValidation === 'Strict') return this.send(request, response, 422, invalidPatch(patched.shown, `strict decoding error: ${texts.join(', ')}`));
    const warnings = fieldValidation === 'Ignore' ? [] : texts;
    const record = isRecord(pruned) ? pruned : {};
    const body = { ...record, metadata: isRecord(record['metadata']) ? { ...record['metadata'] } : {} } as KubeObject;
    if (namespace === undefined) delete body.metadata.namespace;
    else if (body.metadata.namespace === undefined || body.metadata.namespace === '') body.metadata.namespace = namespace;
    else if (body.metadata.namespace !== namespace) return this.send(request, response, 400, failure(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
    if (body.metadata.name !== name) return this.send(request, response, 400, failure(400, 'BadRequest', `the name of the object (${String(body.metadata.name ?? '')}) does not match the name on the URL (${name})`));
    if (namespace !== undefined && !this.namespaceExists(namespace)) return this.send(request, response, 404, notFound(resourceOfPlural('namespaces'), namespace));
    const expected = body.metadata.resourceVersion;
    if (expected !== undefined && expected !== '' && expected !== existing.metadata.resourceVersion) return this.send(request, response, 409, conflict(resource, name));
    const errors = validate(resource, body);
    if (errors.length > 0) return this.send(request, response, 422, invalid(resource, name, errors));
    const unchanged = this.stored(resource, key, body, existing.metadata.resourceVersion ?? '');
    if (dryRun || sameJson(asJson(unchanged), asJson(existing))) return this.send(request, response, 200, servedAs(resource, unchanged), warnings);
    return this.send(request, response, 200, servedAs(resource, this.write(resource, key, body, 'MODIFIED')), warnings);
  }

  /**
   * discovery answers the discovery endpoints as v1.28 does: GET /version; /api and /apis as the
   * aggregated APIGroupDiscoveryList (apidiscovery.k8s.io/v2beta1) when the Accept header asks for
   * it, as kubectl does, else as APIVersions and APIGroupList; /api/v1 and /apis/GROUP/VERSION as an
   * APIResourceList; /apis/GROUP as an APIGroup. An optional group is there once installed.
   */
  private discovery(path: string, accept: string): { body: unknown; contentType?: string } | undefined {
    const parts = path.split('/').filter(Boolean);
    const served = RESOURCES.filter((resource) => this.isServed(resource));
    const groups = GROUP_ORDER.filter((group) => group !== '' && served.some((resource) => resource.group === group));
    const aggregated = accept.split(',').some((mediaType) => sameMediaType(mediaType, AGGREGATED_DISCOVERY));
    const [root, group, version, ...rest] = parts;
    if (rest.length > 0) return undefined;
    if (root === 'version' && group === undefined) return { body: VERSION };
    if (root === 'api' && group === undefined) {
      if (aggregated) return { body: groupDiscoveryList(served, ['']), contentType: AGGREGATED_DISCOVERY };
      return { body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.address }] } };
    }
    if (root === 'apis' && group === undefined) {
      if (aggregated) return { body: groupDiscoveryList(served, groups), contentType: AGGREGATED_DISCOVERY };
      return { body: { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((name) => apiGroup(served, name)) } };
    }
    if (root === 'api' && group === 'v1' && version === undefined) return { body: resourceList(served, '', 'v1') };
    if (root !== 'apis' || group === undefined || !groups.includes(group)) return undefined;
    if (version === undefined) return { body: { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(served, group) } };
    return served.some((resource) => resource.group === group && resource.version === version) ? { body: resourceList(served, group, version) } : undefined;
  }

  private watch(request: IncomingMessage, response: ServerResponse, resource: Resource, namespace: string | undefined, since: number, selector: Selector): void {
    this.requests.push({ method: 'WATCH', path: request.url ?? '', status: 200 });
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders(); // the API server answers a watch at once, before any event
    if (since < this.compactedBelow) {
      const expired = status(410, 'Expired', `too old resource version: ${since} (${this.compactedBelow})`);
      response.end(`${JSON.stringify({ type: 'ERROR', object: expired })}\n`);
      return;
    }
    for (const event of this.history) {
      if (event.rv > since && event.plural === resource.plural && (namespace === undefined || event.object.metadata.namespace === namespace) && selector(event.object)) {
        response.write(`${JSON.stringify({ type: event.type, object: servedAs(resource, event.object) })}\n`);
      }
    }
    const watcher: Watcher = { resource, namespace, selector, response };
    this.watchers.add(watcher);
    response.on('close', () => this.watchers.delete(watcher));
  }
}

/** conflict is apierrors.NewConflict for a write whose resourceVersion is not the stored one. */
function conflict(resource: Resource, name: string): Failure {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, resourceDetails(resource, name));
}

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';

/** asJson reads a stored object as the parsed JSON it is (every stored object came from JSON.parse or a test's literal). */
function asJson(object: KubeObject): Json {
  return JSON.parse(JSON.stringify(object)) as Json;
}

const isJsonObject = (value: Json): value is { [key: string]: Json } => typeof value === 'object' && value !== null && !Array.isArray(value);

/** goType is how Go's encoding/json names a JSON value's type in an UnmarshalTypeError. */
function goType(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** goJson is a value as Go's encoding/json writes a map: keys sorted, <, > and & escaped. */
function goJson(value: Json): string {
  const sorted = (item: Json): Json =>
    Array.isArray(item) ? item.map(sorted) : isJsonObject(item) ? Object.fromEntries(Object.keys(item).sort().map((key) => [key, sorted(item[key] ?? null)])) : item;
  return JSON.stringify(sorted(value)).replaceAll('<', '\\u003c').replaceAll('>', '\\u003e').replaceAll('&', '\\u0026');
}

/** goFormat is a decoded JSON value as Go's %+v prints it: `map[a:1 b:[x y]]`, keys sorted, nil as <nil>. */
function goFormat(value: Json): string {
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (isJsonObject(value)) return `map[${Object.keys(value).sort().map((key) => `${key}:${goFormat(value[key] ?? null)}`).join(' ')}]`;
  return String(value);
}

/**
 * strategicOnly names the first part of a strategic merge patch whose meaning a JSON merge patch
 * does not share: a `$` directive, or a list anywhere but under a NetworkPolicy's spec (whose lists
 * have no patch strategy, so both replace them).
 */
function strategicOnly(value: Json, isPolicy: boolean, path = '', listsReplaced = false): string | undefined {
  if (Array.isArray(value)) return listsReplaced ? undefined : `the list at ${path}`;
  if (!isJsonObject(value)) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    if (key.startsWith('$')) return `the directive ${childPath}`;
    const found = strategicOnly(child, isPolicy, childPath, listsReplaced || (isPolicy && childPath === 'spec'));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * applyPatch applies a PATCH body to the stored object as the API server's patchers do. `shown` is
 * how a strict decoding error quotes the result: the JSON patchers show the patched document as Go
 * encodes it (keys sorted), the strategic one the patch as Go's %+v prints its map. A body that is
 * not JSON is 400 with JavaScript's reason where the API server gives Go's.
 */
function applyPatch(patchType: string, existing: KubeObject, text: string, kind: string): { value: Json; shown: string } | { failure: Failure } {
  let patch: Json;
  try {
    patch = JSON.parse(text) as Json;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { failure: failure(400, 'BadRequest', patchType === STRATEGIC_MERGE_PATCH ? reason : `error decoding patch: ${reason}`) };
  }
  const current = asJson(existing);
  if (patchType === JSON_PATCH) {
    if (!Array.isArray(patch)) return { failure: failure(400, 'BadRequest', `error decoding patch: json: cannot unmarshal ${goType(patch)} into Go value of type []handlers.jsonPatchOp`) };
    const result = applyJsonPatch(current, patch);
    // An operation that does not apply is apierrors.NewGenericServerResponse(422): its text is generic, the reason is dropped.
    if (!result.ok) return { failure: result.code === 'malformed' ? failure(400, 'BadRequest', result.message) : failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {}) };
    return { value: result.value, shown: goJson(result.value) };
  }
  if (!isJsonObject(patch)) {
    return { failure: failure(400, 'BadRequest', `${patchType === MERGE_PATCH ? 'error decoding patch: ' : ''}json: cannot unmarshal ${goType(patch)} into Go value of type map[string]interface {}`) };
  }
  if (patchType === STRATEGIC_MERGE_PATCH) {
    const unsupported = strategicOnly(patch, kind === 'NetworkPolicy');
    if (unsupported !== undefined) return { failure: failure(500, 'InternalError', `fake apiserver: a strategic merge patch is applied as a JSON merge patch, which is not what the API server does with ${unsupported}`) };
    return { value: mergePatch(current, patch), shown: goFormat(patch) };
  }
  const value = mergePatch(current, patch);
  return { value, shown: goJson(value) };
}

/** invalidPatch is the 422 the patch handler answers a patched object it cannot decode with: NewInvalid of no kind and no name, on field `patch`. */
function invalidPatch(shown: string, detail: string): Failure {
  const error = invalidValue('patch', shown, detail);
  return failure(422, 'Invalid', ` "" is invalid: patch: ${error.body}`, { causes: [{ reason: error.reason, message: error.body, field: error.field }] });
}

/** MediaType is one entry of an Accept header: `application/json;as=Table;v=v1;g=meta.k8s.io`. */
interface MediaType {
  readonly type: string;
  readonly params: ReadonlyMap<string, string>;
}

function parseMediaType(text: string): MediaType {
  const [type = '', ...params] = text.split(';').map((part) => part.trim());
  return { type: type.toLowerCase(), params: new Map(params.map((param) => [param.slice(0, param.indexOf('=')).trim(), param.slice(param.indexOf('=') + 1).trim()])) };
}

function sameMediaType(a: string, b: string): boolean {
  const [left, right] = [parseMediaType(a), parseMediaType(b)];
  return left.type === right.type && left.params.size === right.params.size && [...left.params].every(([key, value]) => right.params.get(key) === value);
}

const byPlural = (a: Resource, b: Resource) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0);

function versionsOf(served: readonly Resource[], group: string): string[] {
  return [...new Set(served.filter((resource) => resource.group === group).map((resource) => resource.version))];
}

/** groupDiscoveryList is an apidiscovery.k8s.io/v2beta1 APIGroupDiscoveryList: /api's (the core group, unnamed) or /apis's. */
function groupDiscoveryList(served: readonly Resource[], groups: readonly string[]): Record<string, unknown> {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2beta1',
    metadata: {},
    items: groups.map((group) => ({
      metadata: { ...(group === '' ? {} : { name: group }), creationTimestamp: null },
      versions: versionsOf(served, group).map((version) => ({
        version,
        resources: served
          .filter((resource) => resource.group === group && resource.version === version)
          .sort(byPlural)
          .map((resource) => ({
            resource: resource.plural,
            responseKind: { group, version, kind: resource.kind },
            scope: resource.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: resource.kind.toLowerCase(),
            verbs: VERBS,
            ...(resource.shortNames.length > 0 ? { shortNames: resource.shortNames } : {}),
            ...(resource.categories.length > 0 ? { categories: resource.categories } : {}),
          })),
        freshness: 'Current',
      })),
    })),
  };
}

/** apiGroup is a group as /apis lists it (an APIGroup without its kind): its versions, the first preferred. */
function apiGroup(served: readonly Resource[], group: string): Record<string, unknown> {
  const versions = versionsOf(served, group).map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** resourceList is the APIResourceList of /api/v1 or /apis/GROUP/VERSION. */
function resourceList(served: readonly Resource[], group: string, version: string): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: served
      .filter((resource) => resource.group === group && resource.version === version)
      .sort(byPlural)
      .map((resource) => ({
        name: resource.plural,
        singularName: resource.kind.toLowerCase(),
        namespaced: resource.namespaced,
        kind: resource.kind,
        verbs: VERBS,
        ...(resource.shortNames.length > 0 ? { shortNames: resource.shortNames } : {}),
        ...(resource.categories.length > 0 ? { categories: resource.categories } : {}),
      })),
  };
}

/** TableRequest is a GET that asks for a meta.k8s.io Table (kubectl get without -o asks for v1 first): the version, and what each row carries. */
interface TableRequest {
  readonly version: 'v1' | 'v1beta1';
  readonly includeObject: 'None' | 'Metadata' | 'Object';
}

function tableRequest(accept: string, includeObject: string | null): TableRequest | undefined {
  const versions = accept
    .split(',')
    .map(parseMediaType)
    .filter((mediaType) => mediaType.type === 'application/json' && mediaType.params.get('as') === 'Table' && mediaType.params.get('g') === 'meta.k8s.io')
    .map((mediaType) => mediaType.params.get('v'));
  const version = versions.includes('v1') ? 'v1' : versions.includes('v1beta1') ? 'v1beta1' : undefined;
  if (version === undefined) return undefined;
  return { version, includeObject: includeObject === 'None' || includeObject === 'Object' ? includeObject : 'Metadata' };
}

/** Column is one column of a kind's server-side printer (pkg/printers/internalversion) and how it fills its cell. */
interface Column {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
  readonly cell: (object: KubeObject, now: number) => string | number;
}

const NAME_COLUMN: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
  cell: (object) => object.metadata.name,
};

const AGE_COLUMN: Column = {
  name: 'Age',
  type: 'string',
  format: '',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  priority: 0,
  cell: (object, now) => {
    const created = Date.parse(String(object.metadata['creationTimestamp'] ?? ''));
    return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
  },
};

/**
 * PRINTERS are the columns of the kinds whose Table the fake serves, as v1.28's printers define
 * them. Other kinds are answered with their plain list even when a Table is asked for; kubectl
 * then prints NAME and AGE itself (its fallback for a server that sends no Table).
 */
const PRINTERS: ReadonlyMap<string, readonly Column[]> = new Map([
  ['Namespace', [NAME_COLUMN, { name: 'Status', type: 'string', format: '', description: 'The status of the namespace', priority: 0, cell: (object) => String((isRecord(object['status']) ? object['status']['phase'] : undefined) ?? '') }, AGE_COLUMN]],
  [
    'NetworkPolicy',
    [
      NAME_COLUMN,
      {
        name: 'Pod-Selector',
        type: 'string',
        format: '',
        description:
          'podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.',
        priority: 0,
        cell: (object) => formatLabelSelector(isRecord(object['spec']) ? object['spec']['podSelector'] : undefined),
      },
      AGE_COLUMN,
    ],
  ],
  ['Lease', [NAME_COLUMN, { name: 'Holder', type: 'string', format: '', description: 'holderIdentity contains the identity of the holder of a current lease.', priority: 0, cell: (object) => String((isRecord(object['spec']) ? object['spec']['holderIdentity'] : undefined) ?? '') }, AGE_COLUMN]],
]);

/** tableOf is objects as the meta.k8s.io Table a printer makes of them, or undefined for a kind the fake prints no Table for. */
function tableOf(resource: Resource, objects: readonly KubeObject[], metadata: Record<string, string>, request: TableRequest): Record<string, unknown> | undefined {
  const columns = PRINTERS.get(resource.kind);
  if (columns === undefined) return undefined;
  const now = Date.now();
  const apiVersion = `meta.k8s.io/${request.version}`;
  const rowObject = (object: KubeObject) =>
    request.includeObject === 'None' ? {} : { object: request.includeObject === 'Object' ? object : { kind: 'PartialObjectMetadata', apiVersion, metadata: object.metadata } };
  return {
    kind: 'Table',
    apiVersion,
    metadata,
    columnDefinitions: columns.map(({ name, type, format, description, priority }) => ({ name, type, format, description, priority })),
    rows: objects.map((object) => ({ cells: columns.map((column) => column.cell(object, now)), ...rowObject(object) })),
  };
}

/** formatLabelSelector is metav1.FormatLabelSelector: requirements sorted by key (`a=b`, `k in (x,y)`, `k notin (x)`, `k`, `!k`), `<none>` for an empty selector. */
function formatLabelSelector(selector: unknown): string {
  const fields = isRecord(selector) ? selector : {};
  const requirements: Array<{ key: string; text: string }> = [];
  for (const [key, value] of Object.entries(isRecord(fields['matchLabels']) ? fields['matchLabels'] : {})) requirements.push({ key, text: `${key}=${String(value)}` });
  for (const expression of Array.isArray(fields['matchExpressions']) ? fields['matchExpressions'] : []) {
    if (!isRecord(expression)) return '<error>';
    const key = String(expression['key'] ?? '');
    const values = (Array.isArray(expression['values']) ? expression['values'].map(String) : []).sort().join(',');
    const operator = expression['operator'];
    const text = operator === 'In' ? `${key} in (${values})` : operator === 'NotIn' ? `${key} notin (${values})` : operator === 'Exists' ? key : operator === 'DoesNotExist' ? `!${key}` : undefined;
    if (text === undefined) return '<error>';
    requirements.push({ key, text });
  }
  const text = requirements
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((requirement) => requirement.text)
    .join(',');
  return text === '' ? '<none>' : text;
}

/** humanDuration is k8s.io/apimachinery's duration.HumanDuration, the AGE column's text. */
function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: code < 400 ? 'Success' : 'Failure', message, reason, code };
}

/** StatusDetails are a Status's `details`, as metav1.StatusDetails serialises them (empty fields left out). */
interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: ReadonlyArray<{ readonly reason: string; readonly message: string; readonly field: string }>;
}

/** Failure is a Status the API server answers an error with. */
interface Failure {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): Failure {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details === undefined ? {} : { details }), code };
}

/** qualifiedResource is a GroupResource as the API server prints it: `leases.coordination.k8s.io`, `secrets`. */
function qualifiedResource(resource: Resource): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}

function resourceDetails(resource: Resource, name: string): StatusDetails {
  return { name, ...(resource.group === '' ? {} : { group: resource.group }), kind: resource.plural };
}

/** notFound is apierrors.NewNotFound: `namespaces "netfence" not found`, `leases.coordination.k8s.io "x" not found`. */
function notFound(resource: Resource, name: string): Failure {
  return failure(404, 'NotFound', `${qualifiedResource(resource)} "${name}" not found`, resourceDetails(resource, name));
}

/** FieldError is one field.Error of a validation: its type (the cause's reason), field path and text. */
interface FieldError {
  readonly reason: 'FieldValueInvalid' | 'FieldValueRequired';
  readonly field: string;
  /** body is field.Error.ErrorBody(): `Invalid value: "": does not match event.namespace`, `Required value`. */
  readonly body: string;
}

function invalidValue(field: string, value: string, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, body: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
}

function required(field: string, detail: string): FieldError {
  return { reason: 'FieldValueRequired', field, body: detail === '' ? 'Required value' : `Required value: ${detail}` };
}

/** invalid is apierrors.NewInvalid: `Event "x" is invalid: field: body`, several errors in brackets, one cause each. */
function invalid(resource: Resource, name: string, errors: readonly FieldError[]): Failure {
  const groupKind = resource.group === '' ? resource.kind : `${resource.kind}.${resource.group}`;
  const texts = errors.map((error) => `${error.field}: ${error.body}`);
  const aggregate = texts.length === 1 ? (texts[0] ?? '') : `[${texts.join(', ')}]`;
  return failure(422, 'Invalid', `${groupKind} "${name}" is invalid: ${aggregate}`, {
    name,
    ...(resource.group === '' ? {} : { group: resource.group }),
    kind: resource.kind,
    causes: errors.map((error) => ({ reason: error.reason, message: error.body, field: error.field })),
  });
}

/**
 * validate is the part of the API server's validation the fake does: an Event's namespace
 * against its involvedObject's (core/v1 legacyValidateEvent). An Event without eventTime (the
 * core/v1 kind, as netfence writes it) about an object with no namespace (a cluster-scoped one: a
 * Namespace, a Node) must be in `default` (or have no namespace); about a namespaced object, in
 * that object's namespace. With eventTime set, one about an object with no namespace may be in
 * `default` or `kube-system`.
 */
function validate(resource: Resource, object: KubeObject): FieldError[] {
  if (resource.kind !== 'Event') return [];
  const involved = isRecord(object['involvedObject']) ? object['involvedObject'] : {};
  const involvedNamespace = typeof involved['namespace'] === 'string' ? involved['namespace'] : '';
  const namespace = object.metadata.namespace ?? '';
  const eventTime = object['eventTime'];
  const legacy = eventTime === undefined || eventTime === null || eventTime === '';
  const matches = legacy
    ? involvedNamespace === ''
      ? namespace === '' || namespace === 'default'
      : namespace === involvedNamespace
    : involvedNamespace !== '' || namespace === 'default' || namespace === 'kube-system';
  return matches ? [] : [invalidValue('involvedObject.namespace', involvedNamespace, 'does not match event.namespace')];
}

/**
 * decode reads a request body as the API server does for `fieldValidation`: unknown fields of a
 * kind whose schema the fake knows are a 400 under Strict, dropped with a warning each under Warn
 * (the default), dropped silently under Ignore. Other kinds are taken as they come.
 */
function decode(resource: Resource, raw: unknown, fieldValidation: string | null): { object: KubeObject; warnings: string[] } | { failure: Failure } {
  const shape = SCHEMAS.get(resource.kind);
  const unknownFields: string[] = [];
  const pruned = shape === undefined ? raw : prune(raw, shape, '', unknownFields);
  const record = isRecord(pruned) ? pruned : {};
  const object = { ...record, metadata: isRecord(record['metadata']) ? { ...record['metadata'] } : {} } as KubeObject;
  const texts = unknownFields.map((field) => `unknown field ${JSON.stringify(field)}`);
  if (texts.length > 0 && fieldValidation === 'Strict') {
    return { failure: failure(400, 'BadRequest', `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: strict decoding error: ${texts.join(', ')}`) };
  }
  return { object, warnings: fieldValidation === 'Ignore' ? [] : texts };
}

/** prune keeps the fields `shape` knows, and lists the others' paths (`spec.ingress[0].form`) in document order. */
function prune(value: unknown, shape: Shape, path: string, unknownFields: string[]): unknown {
  if (shape === 'any') return value;
  if ('items' in shape) return Array.isArray(value) ? value.map((item, index) => prune(item, shape.items, `${path}[${index}]`, unknownFields)) : value;
  if (!isRecord(value)) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const fieldPath = path === '' ? key : `${path}.${key}`;
    const fieldShape = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
    if (fieldShape === undefined) unknownFields.push(fieldPath);
    else kept[key] = prune(child, fieldShape, fieldPath, unknownFields);
  }
  return kept;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** GENERATE_ALPHABET is the API server's for generateName suffixes (no vowels, no look-alikes). */
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function generatedSuffix(): string {
  return Array.from({ length: 5 }, () => GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)] ?? 'x').join('');
}

function apiVersionOf(resource: Resource): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

function resourceOfKind(kind: string): Resource {
  const resource = RESOURCES.find((candidate) => candidate.kind === kind);
  if (resource === undefined) throw new Error(`fake apiserver: unknown kind ${kind}`);
  return resource;
}

/** storageOf is the version a resource's objects are stored in: the first the fake lists for its group and plural (a CRD's storage version). */
function storageOf(resource: Resource): Resource {
  return RESOURCES.find((candidate) => candidate.group === resource.group && candidate.plural === resource.plural) ?? resource;
}

/** servedAs is a stored object as a request in `resource`'s version gets it: a CRD's other served version (conversion None) changes only its apiVersion. */
function servedAs(resource: Resource, object: KubeObject): KubeObject {
  const apiVersion = apiVersionOf(resource);
  return object.apiVersion === apiVersion ? object : { ...object, apiVersion };
}

function resourceOfPlural(plural: string): Resource {
  const resource = RESOURCES.find((candidate) => candidate.plural === plural);
  if (resource === undefined) throw new Error(`fake apiserver: unknown resource ${plural}`);
  return resource;
}

function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

/** parsePath reads /api/v1[/namespaces/NS]/PLURAL[/NAME] and /apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME]. */
function parsePath(path: string): { resource: Resource; namespace: string | undefined; name: string | undefined } | undefined {
  const parts = path.split('/').filter(Boolean);
  const [root, ...rest] = parts;
  const group = root === 'api' ? '' : root === 'apis' ? rest.shift() : undefined;
  if (group === undefined) return undefined;
  const version = rest.shift();
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest.splice(0, 2);
  }
  const [plural, name] = rest;
  const resource = RESOURCES.find((candidate) => candidate.group === group && candidate.version === version && candidate.plural === plural);
  if (resource === undefined) return undefined;
  if (resource.plural === 'namespaces') return { resource, namespace: undefined, name: namespace ?? name };
  return { resource, namespace, name };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
