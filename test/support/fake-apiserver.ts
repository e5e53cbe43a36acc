import { createServer } from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { generateCertificates } from '../../src/certs/generate-certificates.js';

/**
 * FakeApiServer speaks the Kubernetes REST and watch protocol on loopback (HTTPS, bearer token),
 * for the resources netfence uses, so that @kubernetes/client-node itself runs in tests: list with
 * resourceVersion, watch streams of ADDED/MODIFIED/DELETED/BOOKMARK events, 410 Gone for a
 * compacted resourceVersion, create (409 AlreadyExists), replace (409 Conflict on a stale
 * resourceVersion), delete, get. Tests can cut watches, compact history and inject failures.
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
}

const RESOURCES: readonly Resource[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration', namespaced: false },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  { group: 'wgpolicyk8s.io', version: 'v1alpha2', plural: 'policyreports', kind: 'PolicyReport', namespaced: true },
];

/** OPTIONAL_GROUPS are served only when a test installs them, as CRDs are. */
const OPTIONAL_GROUPS = new Set(['wgpolicyk8s.io']);

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
  readonly plural: string;
  readonly namespace: string | undefined;
  readonly selector: Selector;
  readonly response: ServerResponse;
}

/** Selector is an equality-based labelSelector and fieldSelector (`a=b,c=d`), as the API server takes them. */
type Selector = (object: KubeObject) => boolean;

function selectorOf(params: URLSearchParams): Selector {
  const terms = (text: string | null) => (text ?? '').split(',').filter(Boolean).map((term) => term.split('='));
  const labelTerms = terms(params.get('labelSelector'));
  const fieldTerms = terms(params.get('fieldSelector'));
  const field = (object: KubeObject, path: string): unknown => (path === 'metadata.name' ? object.metadata.name : path === 'metadata.namespace' ? object.metadata.namespace : undefined);
  return (object) => {
    const labels = (object.metadata['labels'] ?? {}) as Record<string, string>;
    return labelTerms.every(([key = '', value = '']) => labels[key] === value) && fieldTerms.every(([path = '', value = '']) => field(object, path) === value);
  };
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
  private readonly installedGroups = new Set<string>();
  private hangs = 0;
  private slow: number[] = [];
  private compactions = 0;
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
      const resource = resourceOfPlural(watcher.plural);
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

  /** install serves an optional API group, as installing its CRD would (e.g. 'wgpolicyk8s.io'). */
  install(group: string): void {
    this.installedGroups.add(group);
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

  /** stored is the object as the API server would keep it under `key`, at `resourceVersion`. */
  private stored(resource: Resource, key: string, object: KubeObject, resourceVersion: string): KubeObject {
    const existing = this.store(resource.plural).get(key);
    const stored: KubeObject = {
      ...object,
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      metadata: {
        ...object.metadata,
        uid: existing?.metadata.uid ?? `uid-${this.resourceVersion}`,
        resourceVersion,
        creationTimestamp: existing?.metadata['creationTimestamp'] ?? new Date(0).toISOString(),
      },
    };
    if (resource.kind === 'Namespace') {
      const labels = typeof stored.metadata['labels'] === 'object' && stored.metadata['labels'] !== null ? stored.metadata['labels'] : {};
      stored.metadata['labels'] = { ...labels, 'kubernetes.io/metadata.name': stored.metadata.name };
    }
    return stored;
  }

  private record(plural: string, type: WatchEvent['type'], object: KubeObject): void {
    const event: WatchEvent = { rv: Number(object.metadata.resourceVersion), plural, type, object };
    this.history.push(event);
    for (const watcher of this.watchers) {
      if (watcher.plural === plural && (watcher.namespace === undefined || watcher.namespace === object.metadata.namespace) && watcher.selector(object)) {
        watcher.response.write(`${JSON.stringify({ type, object })}\n`);
      }
    }
  }

  /** namespaceExists says whether requests into a namespace are admitted: it is stored, or the API server's own. */
  private namespaceExists(namespace: string): boolean {
    return SYSTEM_NAMESPACES.has(namespace) || this.store('namespaces').has(keyOf(undefined, namespace));
  }

  private send(request: IncomingMessage, response: ServerResponse, code: number, body: unknown, warnings: readonly string[] = []): void {
    this.requests.push({ method: request.method ?? '', path: request.url ?? '', status: code });
    // The API server sends each warning as a `Warning: 299 - "text"` header (RFC 7234 warn-code 299).
    if (warnings.length > 0) response.setHeader('warning', warnings.map((text) => `299 - ${JSON.stringify(text)}`));
    response.writeHead(code, { 'content-type': 'application/json' });
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
    const discovery = this.discovery(url.pathname);
    if (discovery !== undefined) return this.send(request, response, 200, discovery);
    const route = parsePath(url.pathname);
    if (route !== undefined && OPTIONAL_GROUPS.has(route.resource.group) && !this.installedGroups.has(route.resource.group)) {
      return this.send(request, response, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    if (route === undefined) return this.send(request, response, 404, status(404, 'NotFound', `no route ${url.pathname}`));
    const { resource, namespace, name } = route;
    const store = this.store(resource.plural);
    const method = request.method ?? 'GET';
    if (method === 'GET' && name === undefined && url.searchParams.get('watch') === 'true') {
      return this.watch(request, response, resource, namespace, Number(url.searchParams.get('resourceVersion') ?? '0'), selectorOf(url.searchParams));
    }
    if (method === 'GET' && name === undefined) {
      const selector = selectorOf(url.searchParams);
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
      return this.send(request, response, 200, { apiVersion: apiVersionOf(resource), kind: `${resource.kind}List`, metadata, items });
    }
    const key = keyOf(namespace, name);
    const existing = name === undefined ? undefined : store.get(key);
    // Reads and deletes are not admitted by NamespaceLifecycle: in a missing namespace they name the object.
    if (method === 'GET') {
      return existing === undefined ? this.send(request, response, 404, notFound(resource, name ?? '')) : this.send(request, response, 200, existing);
    }
    const dryRun = url.searchParams.getAll('dryRun').includes('All');
    if (method === 'DELETE') {
      if (existing === undefined || name === undefined) return this.send(request, response, 404, notFound(resource, name ?? ''));
      if (!dryRun) this.remove(resource.kind, namespace, name);
      return this.send(request, response, 200, status(200, 'Success', 'deleted'));
    }
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
      return this.send(request, response, 201, created, warnings);
    }
    if (existing === undefined || name === undefined) return this.send(request, response, 404, notFound(resource, name ?? ''));
    if (namespace !== undefined && !this.namespaceExists(namespace)) return this.send(request, response, 404, notFound(resourceOfPlural('namespaces'), namespace));
    const expected = body.metadata.resourceVersion;
    if (expected !== undefined && expected !== existing.metadata.resourceVersion) {
      return this.send(
        request,
        response,
        409,
        failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, resourceDetails(resource, name)),
      );
    }
    const errors = validate(resource, body);
    if (errors.length > 0) return this.send(request, response, 422, invalid(resource, name, errors));
    const replaced = dryRun ? this.stored(resource, key, body, existing.metadata.resourceVersion ?? '') : this.write(resource, key, body, 'MODIFIED');
    return this.send(request, response, 200, replaced, warnings);
  }

  /** discovery answers GET /apis/GROUP/VERSION with the APIResourceList of a served group. */
  private discovery(path: string): Record<string, unknown> | undefined {
    const [root, group, version, ...rest] = path.split('/').filter(Boolean);
    if (root !== 'apis' || group === undefined || version === undefined || rest.length > 0) return undefined;
    if (OPTIONAL_GROUPS.has(group) && !this.installedGroups.has(group)) return undefined;
    const resources = RESOURCES.filter((resource) => resource.group === group && resource.version === version);
    if (resources.length === 0) return undefined;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${group}/${version}`,
      resources: resources.map((resource) => ({ name: resource.plural, singularName: resource.kind.toLowerCase(), namespaced: resource.namespaced, kind: resource.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] })),
    };
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
        response.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
      }
    }
    const watcher: Watcher = { plural: resource.plural, namespace, selector, response };
    this.watchers.add(watcher);
    response.on('close', () => this.watchers.delete(watcher));
  }
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
  rest.shift(); // version
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest.splice(0, 2);
  }
  const [plural, name] = rest;
  const resource = RESOURCES.find((candidate) => candidate.group === group && candidate.plural === plural);
  if (resource === undefined) return undefined;
  if (resource.plural === 'namespaces') return { resource, namespace: undefined, name: namespace ?? name };
  return { resource, namespace, name };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
