import type { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { namespace, networkPolicy } from '../support/kube-objects.js';
import { send, watch } from '../support/raw-client.js';
import { until } from '../support/until.js';

/**
 * What kubectl needs of the test API server beyond what netfence uses, at the wire: PATCH in its
 * three formats with the API server's rules and Status answers (kube-apiserver's patch handler:
 * staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go), discovery (legacy and
 * aggregated), Tables and selectors. test/cluster/kubectl.test.ts runs kubectl itself.
 */

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const TEAM_B = '/api/v1/namespaces/team-b';
const POLICIES = '/apis/networking.k8s.io/v1/namespaces/team-b/networkpolicies';

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function startFake(): Promise<{ fake: FakeApiServer; kubeConfig: KubeConfig }> {
  const fake = new FakeApiServer();
  server = fake;
  const kubeConfig = await fake.start();
  fake.put(namespace('team-b'));
  fake.put(networkPolicy('team-b', 'netfence-default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, { 'app.kubernetes.io/managed-by': 'netfence' }));
  return { fake, kubeConfig };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const metadataOf = (body: unknown): Record<string, unknown> => (isRecord(body) && isRecord(body['metadata']) ? body['metadata'] : {});

describe('PATCH', () => {
  it('a merge patch labels a cluster-scoped object: a new resourceVersion and one MODIFIED event; null removes; a patch that changes nothing writes nothing', async () => {
    const { fake, kubeConfig } = await startFake();
    const before = fake.get('Namespace', undefined, 'team-b')?.metadata.resourceVersion ?? '';
    const watching = watch(kubeConfig, '/api/v1/namespaces', before);
    await watching.opened;

    const labelled = await send(kubeConfig, 'PATCH', `${TEAM_B}?fieldManager=kubectl-label`, { contentType: MERGE, body: { metadata: { labels: { 'netfence.io/baseline': 'default' } } } });
    expect(labelled.status).toBe(200);
    const after = String(metadataOf(labelled.body)['resourceVersion']);
    expect(Number(after)).toBeGreaterThan(Number(before));
    expect(fake.get('Namespace', undefined, 'team-b')?.metadata['labels']).toEqual({ 'kubernetes.io/metadata.name': 'team-b', 'netfence.io/baseline': 'default' });
    await until(() => watching.events.length === 1, 'the MODIFIED event');
    expect(watching.events[0]).toMatchObject({ type: 'MODIFIED', object: { metadata: { name: 'team-b', resourceVersion: after, labels: { 'netfence.io/baseline': 'default' } } } });

    const same = await send(kubeConfig, 'PATCH', TEAM_B, { contentType: MERGE, body: {} });
    expect({ status: same.status, resourceVersion: metadataOf(same.body)['resourceVersion'] }).toEqual({ status: 200, resourceVersion: after });

    const removed = await send(kubeConfig, 'PATCH', TEAM_B, { contentType: MERGE, body: { metadata: { labels: { 'netfence.io/baseline': null } } } });
    expect(metadataOf(removed.body)['labels']).toEqual({ 'kubernetes.io/metadata.name': 'team-b' });
    await until(() => watching.events.length === 2, 'the second MODIFIED event');
    expect(watching.events.map((event) => event.type)).toEqual(['MODIFIED', 'MODIFIED']);
    watching.close();
  });

  it('is refused as the API server refuses it: a missing object (404), a stale resourceVersion (409), a missing namespace (404), another name or namespace (400), an unknown patch type (415)', async () => {
    const { fake, kubeConfig } = await startFake();
    expect((await send(kubeConfig, 'PATCH', '/api/v1/namespaces/team-c', { contentType: MERGE, body: { metadata: { labels: { a: 'b' } } } })).body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'namespaces "team-c" not found',
      reason: 'NotFound',
      details: { name: 'team-c', kind: 'namespaces' },
      code: 404,
    });
    expect((await send(kubeConfig, 'PATCH', `${POLICIES}/nope`, { contentType: JSON_PATCH, body: [] })).body).toMatchObject({ code: 404, message: 'networkpolicies.networking.k8s.io "nope" not found' });

    const stale = await send(kubeConfig, 'PATCH', TEAM_B, { contentType: MERGE, body: { metadata: { resourceVersion: '1', labels: { a: 'b' } } } });
    expect(stale.body).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on namespaces "team-b": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'team-b', kind: 'namespaces' },
    });
    const current = fake.get('Namespace', undefined, 'team-b')?.metadata.resourceVersion;
    expect((await send(kubeConfig, 'PATCH', TEAM_B, { contentType: MERGE, body: { metadata: { resourceVersion: current, labels: { a: 'b' } } } })).status).toBe(200);

    // A policy left in a namespace that is gone (put directly) cannot be patched: NamespaceLifecycle.
    fake.put(networkPolicy('gone', 'left', { podSelector: {} }));
    expect((await send(kubeConfig, 'PATCH', '/apis/networking.k8s.io/v1/namespaces/gone/networkpolicies/left', { contentType: MERGE, body: { metadata: { labels: { a: 'b' } } } })).body).toMatchObject({
      code: 404,
      message: 'namespaces "gone" not found',
    });

    expect((await send(kubeConfig, 'PATCH', `${POLICIES}/netfence-default-deny`, { contentType: MERGE, body: { metadata: { name: 'other' } } })).body).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'the name of the object (other) does not match the name on the URL (netfence-default-deny)',
    });
    expect((await send(kubeConfig, 'PATCH', `${POLICIES}/netfence-default-deny`, { contentType: MERGE, body: { metadata: { namespace: 'team-a' } } })).body).toMatchObject({
      code: 400,
      message: 'the namespace of the provided object does not match the namespace sent on the request',
    });
    expect((await send(kubeConfig, 'PATCH', TEAM_B, { contentType: 'application/json', body: {} })).body).toMatchObject({
      code: 415,
      reason: 'UnsupportedMediaType',
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
    });
    // A CRD's resources take no strategic merge patch.
    fake.install('wgpolicyk8s.io');
    fake.put({ apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name: 'netfence', namespace: 'team-b' } });
    expect((await send(kubeConfig, 'PATCH', '/apis/wgpolicyk8s.io/v1alpha2/namespaces/team-b/policyreports/netfence', { contentType: STRATEGIC, body: {} })).body).toMatchObject({
      code: 415,
      message: 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
    expect(fake.get('NetworkPolicy', 'team-b', 'netfence-default-deny')?.metadata.resourceVersion).toBe('3');
  });

  it('a JSON patch applies its operations in order; one that does not apply is the generic 422, and a body that is no patch is 400', async () => {
    const { fake, kubeConfig } = await startFake();
    const path = `${POLICIES}/netfence-default-deny`;
    const patched = await send(kubeConfig, 'PATCH', path, {
      contentType: JSON_PATCH,
      body: [
        { op: 'test', path: '/spec/policyTypes/1', value: 'Egress' },
        { op: 'replace', path: '/spec/policyTypes', value: ['Ingress'] },
        { op: 'add', path: '/metadata/annotations', value: { 'netfence.io/note': 'x' } },
        { op: 'remove', path: '/metadata/labels/app.kubernetes.io~1managed-by' },
      ],
    });
    expect(patched.status).toBe(200);
    const stored = fake.get('NetworkPolicy', 'team-b', 'netfence-default-deny');
    expect(stored?.['spec']).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(stored?.metadata).toMatchObject({ annotations: { 'netfence.io/note': 'x' }, labels: {} });

    const failed = await send(kubeConfig, 'PATCH', path, { contentType: JSON_PATCH, body: [{ op: 'test', path: '/spec/policyTypes/0', value: 'Egress' }] });
    expect(failed.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422 });
    expect((await send(kubeConfig, 'PATCH', path, { contentType: JSON_PATCH, body: { op: 'add' } })).body).toMatchObject({
      code: 400,
      message: 'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
    });
    expect((await send(kubeConfig, 'PATCH', path, { contentType: MERGE, body: '{"metadata":' })).body).toMatchObject({ code: 400, reason: 'BadRequest', message: expect.stringMatching(/^error decoding patch: /) });
    expect(fake.get('NetworkPolicy', 'team-b', 'netfence-default-deny')?.metadata.resourceVersion).toBe(stored?.metadata.resourceVersion);
  });

  it('unknown fields in the result: 422 under Strict, naming them, with the result as the API server quotes it; dropped with a warning each under Warn (the default); silently under Ignore', async () => {
    const { fake, kubeConfig } = await startFake();
    const path = `${POLICIES}/netfence-default-deny`;
    const typo = { spec: { podSelecter: { matchLabels: { app: 'web' } } } };
    const strict = await send(kubeConfig, 'PATCH', `${path}?fieldValidation=Strict`, { contentType: MERGE, body: typo });
    expect(strict.status).toBe(422);
    expect(strict.body).toMatchObject({ reason: 'Invalid', details: { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] } });
    const message = String(isRecord(strict.body) ? strict.body['message'] : '');
    // NewInvalid with no kind and no name: the message starts ` "" is invalid`, and quotes the patched object with its keys sorted.
    expect(message).toMatch(/^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"networking\.k8s\.io\/v1\\",\\"kind\\":\\"NetworkPolicy\\",\\"metadata\\":\{/);
    expect(message).toMatch(/": strict decoding error: unknown field "spec\.podSelecter"$/);
    const smp = await send(kubeConfig, 'PATCH', `${path}?fieldValidation=Strict`, { contentType: STRATEGIC, body: typo });
    // The strategic patcher quotes the patch as Go's %+v prints its map.
    expect(isRecord(smp.body) ? smp.body['message'] : undefined).toBe(' "" is invalid: patch: Invalid value: "map[spec:map[podSelecter:map[matchLabels:map[app:web]]]]": strict decoding error: unknown field "spec.podSelecter"');

    const warned = await send(kubeConfig, 'PATCH', path, { contentType: MERGE, body: { ...typo, metadata: { labels: { a: 'b' } } } });
    expect({ status: warned.status, warnings: warned.warnings }).toEqual({ status: 200, warnings: ['299 - "unknown field \\"spec.podSelecter\\""'] });
    expect(fake.get('NetworkPolicy', 'team-b', 'netfence-default-deny')?.['spec']).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const ignored = await send(kubeConfig, 'PATCH', `${path}?fieldValidation=Ignore`, { contentType: MERGE, body: typo });
    expect({ status: ignored.status, warnings: ignored.warnings }).toEqual({ status: 200, warnings: [] });
  });

  it('a strategic merge patch is a merge patch where the two agree, and 500 naming the limit where they do not', async () => {
    const { fake, kubeConfig } = await startFake();
    fake.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team-b' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });
    expect((await send(kubeConfig, 'PATCH', TEAM_B, { contentType: STRATEGIC, body: { metadata: { annotations: { a: 'b' } } } })).status).toBe(200);
    expect(fake.get('Namespace', undefined, 'team-b')?.metadata['annotations']).toEqual({ a: 'b' });
    // A NetworkPolicy's lists have no patch strategy: replaced, in both formats.
    const egress = [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }] }];
    expect((await send(kubeConfig, 'PATCH', `${POLICIES}/netfence-default-deny`, { contentType: STRATEGIC, body: { spec: { egress } } })).status).toBe(200);
    expect(fake.get('NetworkPolicy', 'team-b', 'netfence-default-deny')?.['spec']).toMatchObject({ egress });

    const containers = await send(kubeConfig, 'PATCH', '/api/v1/namespaces/team-b/pods/web', { contentType: STRATEGIC, body: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } });
    expect(containers.body).toMatchObject({ code: 500, message: expect.stringContaining('the list at spec.containers') });
    const directive = await send(kubeConfig, 'PATCH', TEAM_B, { contentType: STRATEGIC, body: { metadata: { labels: { $patch: 'replace' } } } });
    expect(directive.body).toMatchObject({ code: 500, message: expect.stringContaining('the directive metadata.labels.$patch') });
  });

  it('dryRun=All answers with the patched object and stores nothing; an Event is validated after the patch', async () => {
    const { fake, kubeConfig } = await startFake();
    const dry = await send(kubeConfig, 'PATCH', `${TEAM_B}?dryRun=All`, { contentType: MERGE, body: { metadata: { labels: { a: 'b' } } } });
    expect(metadataOf(dry.body)['labels']).toMatchObject({ a: 'b' });
    expect(fake.get('Namespace', undefined, 'team-b')?.metadata['labels']).toEqual({ 'kubernetes.io/metadata.name': 'team-b' });

    fake.put({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Namespace', name: 'team-b' }, reason: 'BaselineProvisioned' });
    const moved = await send(kubeConfig, 'PATCH', '/api/v1/namespaces/default/events/e', { contentType: MERGE, body: { involvedObject: { namespace: 'team-b' } } });
    expect(moved.body).toMatchObject({ code: 422, message: 'Event "e" is invalid: involvedObject.namespace: Invalid value: "team-b": does not match event.namespace' });
  });
});

describe('discovery', () => {
  it('GET /version is v1.28.7', async () => {
    const { kubeConfig } = await startFake();
    expect((await send(kubeConfig, 'GET', '/version')).body).toMatchObject({ major: '1', minor: '28', gitVersion: 'v1.28.7', gitTreeState: 'clean', platform: 'linux/amd64' });
  });

  it('legacy: /api, /apis with every served group, /api/v1 and /apis/GROUP/VERSION with short names; an optional group once installed', async () => {
    const { fake, kubeConfig } = await startFake();
    const api = await send(kubeConfig, 'GET', '/api');
    expect(api.body).toEqual({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: new URL(kubeConfig.getCurrentCluster()?.server ?? '').host }] });
    const groups = async () => {
      const body = (await send(kubeConfig, 'GET', '/apis')).body;
      return isRecord(body) && Array.isArray(body['groups']) ? body['groups'].map((group: unknown) => (isRecord(group) ? group['name'] : undefined)) : [];
    };
    expect(await groups()).toEqual(['apps', 'networking.k8s.io', 'admissionregistration.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io']);
    expect((await send(kubeConfig, 'GET', '/apis/networking.k8s.io')).body).toEqual({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'networking.k8s.io',
      versions: [{ groupVersion: 'networking.k8s.io/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'networking.k8s.io/v1', version: 'v1' },
    });
    const core = (await send(kubeConfig, 'GET', '/api/v1')).body;
    expect(core).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    const resources = isRecord(core) && Array.isArray(core['resources']) ? core['resources'] : [];
    expect(resources.find((resource: unknown) => isRecord(resource) && resource['name'] === 'namespaces')).toEqual({
      name: 'namespaces',
      singularName: 'namespace',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['ns'],
    });
    expect((await send(kubeConfig, 'GET', '/apis/networking.k8s.io/v1')).body).toMatchObject({ resources: [{ name: 'networkpolicies', shortNames: ['netpol'], namespaced: true }] });

    expect((await send(kubeConfig, 'GET', '/apis/wgpolicyk8s.io/v1alpha2')).status).toBe(404);
    fake.install('wgpolicyk8s.io');
    expect(await groups()).toContain('wgpolicyk8s.io');
    expect((await send(kubeConfig, 'GET', '/apis/wgpolicyk8s.io/v1alpha2')).body).toMatchObject({ resources: [{ name: 'policyreports', kind: 'PolicyReport' }] });
  });

  it('aggregated: asked for it as kubectl asks, /api and /apis are an apidiscovery.k8s.io/v2beta1 APIGroupDiscoveryList (v1.28 serves no v2)', async () => {
    const { kubeConfig } = await startFake();
    const apis = await send(kubeConfig, 'GET', '/apis', { accept: AGGREGATED });
    expect(apis.contentType).toBe('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
    expect(apis.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2beta1', metadata: {} });
    const items = isRecord(apis.body) && Array.isArray(apis.body['items']) ? apis.body['items'] : [];
    expect(items.map((item: unknown) => (isRecord(item) && isRecord(item['metadata']) ? item['metadata']['name'] : undefined))).toEqual(['apps', 'networking.k8s.io', 'admissionregistration.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io']);
    expect(items[1]).toEqual({
      metadata: { name: 'networking.k8s.io', creationTimestamp: null },
      versions: [
        {
          version: 'v1',
          resources: [{ resource: 'networkpolicies', responseKind: { group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' }, scope: 'Namespaced', singularResource: 'networkpolicy', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['netpol'] }],
          freshness: 'Current',
        },
      ],
    });
    const api = await send(kubeConfig, 'GET', '/api', { accept: AGGREGATED });
    expect(api.body).toMatchObject({ items: [{ metadata: { creationTimestamp: null }, versions: [{ version: 'v1', freshness: 'Current' }] }] });
    // Only v2 asked for: the legacy document, as from a v1.28 server.
    expect((await send(kubeConfig, 'GET', '/api', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' })).body).toMatchObject({ kind: 'APIVersions' });
  });
});

describe('the ClientIntents CRD', () => {
  it('is served once installed: v2beta1 preferred and stored, v2alpha1 served too, the same object in either version (list, get, watch); one version when installed so', async () => {
    const { fake, kubeConfig } = await startFake();
    expect((await send(kubeConfig, 'GET', '/apis/k8s.otterize.com')).status).toBe(404);
    expect((await send(kubeConfig, 'GET', '/apis/k8s.otterize.com/v2beta1/clientintents')).status).toBe(404);
    fake.install('k8s.otterize.com');
    expect((await send(kubeConfig, 'GET', '/apis/k8s.otterize.com')).body).toEqual({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'k8s.otterize.com',
      versions: [
        { groupVersion: 'k8s.otterize.com/v2beta1', version: 'v2beta1' },
        { groupVersion: 'k8s.otterize.com/v2alpha1', version: 'v2alpha1' },
      ],
      preferredVersion: { groupVersion: 'k8s.otterize.com/v2beta1', version: 'v2beta1' },
    });
    expect((await send(kubeConfig, 'GET', '/apis/k8s.otterize.com/v2alpha1')).body).toMatchObject({ groupVersion: 'k8s.otterize.com/v2alpha1', resources: [{ name: 'clientintents', kind: 'ClientIntents', namespaced: true }] });
    fake.put(namespace('team-a'));
    const intents = { apiVersion: 'k8s.otterize.com/v2alpha1', kind: 'ClientIntents', metadata: { name: 'client', namespace: 'team-a' }, spec: { workload: { name: 'client' }, targets: [{ kubernetes: { name: 'server' } }] } };
    const watching = watch(kubeConfig, '/apis/k8s.otterize.com/v2beta1/namespaces/team-a/clientintents', '0');
    await watching.opened;
    const created = await send(kubeConfig, 'POST', '/apis/k8s.otterize.com/v2alpha1/namespaces/team-a/clientintents', { body: intents });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ apiVersion: 'k8s.otterize.com/v2alpha1', spec: intents.spec });
    expect(fake.get('ClientIntents', 'team-a', 'client')?.apiVersion).toBe('k8s.otterize.com/v2beta1');
    expect((await send(kubeConfig, 'GET', '/apis/k8s.otterize.com/v2beta1/namespaces/team-a/clientintents/client')).body).toMatchObject({ apiVersion: 'k8s.otterize.com/v2beta1', spec: intents.spec });
    expect((await send(kubeConfig, 'GET', '/apis/k8s.otterize.com/v2alpha1/clientintents')).body).toMatchObject({ kind: 'ClientIntentsList', apiVersion: 'k8s.otterize.com/v2alpha1', items: [{ apiVersion: 'k8s.otterize.com/v2alpha1' }] });
    await until(() => watching.events.length === 1, 'the ADDED event');
    expect(watching.events[0]).toMatchObject({ type: 'ADDED', object: { apiVersion: 'k8s.otterize.com/v2beta1', metadata: { name: 'client' } } });
    watching.close();
    fake.uninstall('k8s.otterize.com');
    fake.install('k8s.otterize.com', ['v2alpha1']);
    expect((await send(kubeConfig, 'GET', '/apis/k8s.otterize.com')).body).toMatchObject({ versions: [{ version: 'v2alpha1' }], preferredVersion: { version: 'v2alpha1' } });
    expect((await send(kubeConfig, 'GET', '/apis/k8s.otterize.com/v2beta1/clientintents')).status).toBe(404);
  });
});

describe('Tables and selectors', () => {
  it('a Table for namespaces and network policies (the v1.28 printers\' columns), the plain list for a kind the fake has no printer for', async () => {
    const { fake, kubeConfig } = await startFake();
    fake.put(networkPolicy('team-b', 'web', { podSelector: { matchLabels: { tier: 'front', app: 'web' }, matchExpressions: [{ key: 'zone', operator: 'In', values: ['b', 'a'] }, { key: 'canary', operator: 'DoesNotExist' }] } }));
    const namespaces = await send(kubeConfig, 'GET', '/api/v1/namespaces?limit=500', { accept: TABLE });
    expect(namespaces.body).toMatchObject({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: expect.any(String) },
      columnDefinitions: [
        { name: 'Name', type: 'string', format: 'name', priority: 0 },
        { name: 'Status', type: 'string', format: '', description: 'The status of the namespace', priority: 0 },
        { name: 'Age', type: 'string', format: '', priority: 0 },
      ],
      rows: [{ cells: ['team-b', 'Active', expect.stringMatching(/^\d+s$/)], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'team-b', uid: expect.any(String) } } }],
    });
    const policies = await send(kubeConfig, 'GET', `${POLICIES}?includeObject=None`, { accept: TABLE });
    const rows = isRecord(policies.body) && Array.isArray(policies.body['rows']) ? policies.body['rows'] : [];
    expect(rows).toEqual([{ cells: ['netfence-default-deny', '<none>', expect.any(String)] }, { cells: ['web', 'app=web,!canary,tier=front,zone in (a,b)', expect.any(String)] }]);
    const one = await send(kubeConfig, 'GET', `${POLICIES}/web`, { accept: TABLE });
    expect(one.body).toMatchObject({ kind: 'Table', rows: [{ cells: ['web', expect.any(String), expect.any(String)] }] });
    expect((await send(kubeConfig, 'GET', '/api/v1/pods', { accept: TABLE })).body).toMatchObject({ kind: 'PodList' });
  });

  it('field selectors: the fields each kind indexes (Events: involvedObject.*), != and ==, and 400 for any other field', async () => {
    const { fake, kubeConfig } = await startFake();
    const event = (name: string, involvedObject: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' }, involvedObject, reason: 'BaselineProvisioned', source: { component: 'netfence' } });
    const uid = fake.get('Namespace', undefined, 'team-b')?.metadata.uid ?? '';
    fake.put(event('about-team-b', { kind: 'Namespace', name: 'team-b', uid }));
    fake.put(event('about-team-a', { kind: 'Namespace', name: 'team-a', uid: 'other' }));
    const names = async (query: string) => {
      const body = (await send(kubeConfig, 'GET', `/api/v1/events?${query}`)).body;
      return isRecord(body) && Array.isArray(body['items']) ? body['items'].map((item: unknown) => metadataOf(item)['name']) : body;
    };
    // What kubectl describe would send for a Namespace: its name, no namespace, its kind and uid.
    expect(await names(`fieldSelector=${encodeURIComponent(`involvedObject.kind=Namespace,involvedObject.name=team-b,involvedObject.namespace=,involvedObject.uid=${uid}`)}`)).toEqual(['about-team-b']);
    expect(await names(`fieldSelector=${encodeURIComponent('involvedObject.name!=team-b,source==netfence')}`)).toEqual(['about-team-a']);
    expect((await send(kubeConfig, 'GET', `/api/v1/events?fieldSelector=${encodeURIComponent('involvedObject.color=red')}`)).body).toMatchObject({ code: 400, reason: 'BadRequest', message: 'field label not supported: involvedObject.color' });
    expect((await send(kubeConfig, 'GET', `${POLICIES}?fieldSelector=${encodeURIComponent('spec.podSelector=x')}`)).body).toMatchObject({
      code: 400,
      message: '"spec.podSelector" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
    expect((await send(kubeConfig, 'GET', `${POLICIES}?fieldSelector=nonsense`)).body).toMatchObject({ code: 400, message: "invalid selector: 'nonsense'; can't understand 'nonsense'" });
  });

  it('label selectors: equality, inequality (true where the label is missing), set-based and existence', async () => {
    const { fake, kubeConfig } = await startFake();
    fake.put(namespace('team-a', { 'netfence.io/baseline': 'default' }));
    fake.put(namespace('legacy', { 'netfence.io/baseline': 'none' }));
    const names = async (selector: string) => {
      const body = (await send(kubeConfig, 'GET', `/api/v1/namespaces?labelSelector=${encodeURIComponent(selector)}`)).body;
      return isRecord(body) && Array.isArray(body['items']) ? body['items'].map((item: unknown) => metadataOf(item)['name']) : body;
    };
    expect(await names('netfence.io/baseline=default')).toEqual(['team-a']);
    expect(await names('netfence.io/baseline!=none')).toEqual(['team-a', 'team-b']);
    expect(await names('netfence.io/baseline in (default, none)')).toEqual(['legacy', 'team-a']);
    expect(await names('netfence.io/baseline notin (none)')).toEqual(['team-a', 'team-b']);
    expect(await names('!netfence.io/baseline')).toEqual(['team-b']);
    expect(await names('netfence.io/baseline,kubernetes.io/metadata.name=legacy')).toEqual(['legacy']);
    expect(await names('a b c')).toMatchObject({ code: 400 });
  });
});
