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
    const existing = this.store(resource.plural).get(key);
    const stored: KubeObject = {
      ...object,
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      metadata: {
        ...object.metadata,
        uid: existing?.metadata.uid ?? `uid-${this.resourceVersion}`,
        resourceVersion: String(++this.resourceVersion),
        creationTimestamp: existing?.metadata['creationTimestamp'] ?? new Date(0).toISOString(),
      },
    };
    if (resource.kind === 'Namespace') {
      const labels = typeof stored.metadata['labels'] === 'object' && stored.metadata['labels'] !== null ? stored.metadata['labels'] : {};
      stored.metadata['labels'] = { ...labels, 'kubernetes.io/metadata.name': stored.metadata.name };
    }
    this.store(resource.plural).set(key, stored);
    this.record(resource.plural, type, stored);
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

  private send(request: IncomingMessage, response: ServerResponse, code: number, body: unknown): void {
    this.requests.push({ method: request.method ?? '', path: request.url ?? '', status: code });
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
    const failure = this.failures.shift();
    if (failure !== undefined) return this.send(request, response, failure, status(failure, 'InternalError', 'injected failure'));
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
    if (method === 'GET') {
      return existing === undefined
        ? this.send(request, response, 404, status(404, 'NotFound', `${resource.plural} "${name}" not found`))
        : this.send(request, response, 200, existing);
    }
    if (method === 'DELETE') {
      if (existing === undefined || name === undefined) return this.send(request, response, 404, status(404, 'NotFound', `${resource.plural} "${name}" not found`));
      this.remove(resource.kind, namespace, name);
      return this.send(request, response, 200, status(200, 'Success', 'deleted'));
    }
    const body = JSON.parse(await readBody(request)) as KubeObject;
    if (method === 'POST') {
      const generateName = body.metadata['generateName'];
      if ((body.metadata.name === undefined || body.metadata.name === '') && typeof generateName === 'string') {
        body.metadata.name = `${generateName}${Math.random().toString(36).slice(2, 7)}`;
      }
      const createKey = keyOf(namespace, body.metadata.name);
      if (store.has(createKey)) return this.send(request, response, 409, status(409, 'AlreadyExists', `${resource.plural} "${body.metadata.name}" already exists`));
      return this.send(request, response, 201, this.write(resource, createKey, { ...body, metadata: { ...body.metadata, ...(namespace === undefined ? {} : { namespace }) } }, 'ADDED'));
    }
    if (method === 'PUT') {
      if (existing === undefined) return this.send(request, response, 404, status(404, 'NotFound', `${resource.plural} "${name}" not found`));
      const expected = body.metadata.resourceVersion;
      if (expected !== undefined && expected !== existing.metadata.resourceVersion) {
        return this.send(request, response, 409, status(409, 'Conflict', `Operation cannot be fulfilled on ${resource.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`));
      }
      return this.send(request, response, 200, this.write(resource, key, body, 'MODIFIED'));
    }
    return this.send(request, response, 405, status(405, 'MethodNotAllowed', method));
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
