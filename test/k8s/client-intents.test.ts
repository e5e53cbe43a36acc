import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { decodeClientIntents } from '../../src/k8s/client-intents.js';
import { DecodeError } from '../../src/k8s/decode.js';
import { decodeObject } from '../../src/k8s/object.js';
import type { ClientIntents } from '../../src/model/client-intents.js';
import { parseCidr } from '../../src/model/ip.js';
import type { Cidr } from '../../src/model/ip.js';
import { StateError, loadObjectsFromText } from '../../src/state/load-state.js';

/** Reading ClientIntents as teams write them, every version netfence reads, into the one model. */

function cidr(text: string): Cidr {
  const block = parseCidr(text);
  if (block === undefined) throw new Error(`bad CIDR in the test: ${text}`);
  return block;
}

function decodeError(text: string): string {
  try {
    decodeClientIntents(parse(text));
  } catch (error) {
    if (error instanceof DecodeError) return error.message;
    throw error;
  }
  throw new Error('expected a DecodeError');
}

function loadError(text: string): string {
  try {
    loadObjectsFromText(text, 'intents.yaml', { strict: true });
  } catch (error) {
    if (error instanceof StateError) return error.message;
    throw error;
  }
  throw new Error('expected a StateError');
}

const NS = 'otterize-tutorial-npol';

const READ: ReadonlyArray<readonly [string, string, ClientIntents]> = [
  [
    "the Otterize tutorial's client → server, v2beta1",
    `apiVersion: k8s.otterize.com/v2beta1
kind: ClientIntents
metadata:
  name: client
  namespace: otterize-tutorial-npol
spec:
  workload:
    name: client
    kind: Deployment
  targets:
  - kubernetes:
      name: server
      kind: Deployment
`,
    {
      namespace: NS,
      name: 'client',
      apiVersion: 'k8s.otterize.com/v2beta1',
      client: { name: 'client', kind: 'Deployment' },
      targets: [{ kind: 'workload', field: 'spec.targets[0]', name: 'server', namespace: NS, workloadKind: 'Deployment' }],
    },
  ],
  [
    'v2alpha1, with a Service target, HTTP paths (kept out of the model) and no kinds',
    `apiVersion: k8s.otterize.com/v2alpha1
kind: ClientIntents
metadata:
  name: checkout
  namespace: shop
spec:
  workload:
    name: checkoutservice
  targets:
  - service:
      name: orderservice
      http:
      - path: /orders
        methods: [GET, POST]
  - kubernetes:
      name: emailservice
      http:
      - path: /send
        methods: [post]
`,
    {
      namespace: 'shop',
      name: 'checkout',
      apiVersion: 'k8s.otterize.com/v2alpha1',
      client: { name: 'checkoutservice', kind: undefined },
      targets: [
        { kind: 'service', field: 'spec.targets[0]', name: 'orderservice', namespace: 'shop' },
        { kind: 'workload', field: 'spec.targets[1]', name: 'emailservice', namespace: 'shop', workloadKind: undefined },
      ],
    },
  ],
  [
    'v1alpha3: svc: calls are Services, a kafka call is ignored, an http call with HTTPResources is a workload',
    `apiVersion: k8s.otterize.com/v1alpha3
kind: ClientIntents
metadata:
  name: client-server-access
  namespace: otterize-example
spec:
  service:
    name: client
  calls:
  - name: server
  - name: svc:orderservice.orders
  - name: kafka.kafka
    type: kafka
    kafkaTopics:
    - name: orders
      operations: [produce]
  - name: inventory
    kind: StatefulSet
    type: http
    HTTPResources:
    - path: /orders/*
      methods: [get, post]
`,
    {
      namespace: 'otterize-example',
      name: 'client-server-access',
      apiVersion: 'k8s.otterize.com/v1alpha3',
      client: { name: 'client', kind: undefined },
      targets: [
        { kind: 'workload', field: 'spec.calls[0]', name: 'server', namespace: 'otterize-example', workloadKind: undefined },
        { kind: 'service', field: 'spec.calls[1]', name: 'orderservice', namespace: 'orders' },
        { kind: 'ignored', field: 'spec.calls[2]', type: 'kafka', name: 'kafka.kafka' },
        { kind: 'workload', field: 'spec.calls[3]', name: 'inventory', namespace: 'otterize-example', workloadKind: 'StatefulSet' },
      ],
    },
  ],
  [
    'v1beta1: a client kind, a call with kind Service, database, aws, gcp and azure calls ignored, an internet call',
    `apiVersion: k8s.otterize.com/v1beta1
kind: ClientIntents
metadata:
  name: reports
  namespace: analytics
spec:
  service:
    name: reports
    kind: CronJob
  calls:
  - name: warehouse
    kind: Service
  - name: postgres
    type: database
    databaseResources:
    - databaseName: sales
      operations: [SELECT]
  - name: arn:aws:s3:::reports-bucket
    type: aws
    awsActions: ["s3:PutObject"]
  - name: projects/acme/buckets/reports
    type: gcp
    gcpPermissions: [storage.objects.create]
  - name: /subscriptions/1234/resourceGroups/reports
    type: azure
    azureActions: [Microsoft.Storage/storageAccounts/read]
  - type: internet
    internet:
      domains: [api.stripe.com]
      ports: [443]
`,
    {
      namespace: 'analytics',
      name: 'reports',
      apiVersion: 'k8s.otterize.com/v1beta1',
      client: { name: 'reports', kind: 'CronJob' },
      targets: [
        { kind: 'service', field: 'spec.calls[0]', name: 'warehouse', namespace: 'analytics' },
        { kind: 'ignored', field: 'spec.calls[1]', type: 'sql', name: 'postgres' },
        { kind: 'ignored', field: 'spec.calls[2]', type: 'aws', name: 'arn:aws:s3:::reports-bucket' },
        { kind: 'ignored', field: 'spec.calls[3]', type: 'gcp', name: 'projects/acme/buckets/reports' },
        { kind: 'ignored', field: 'spec.calls[4]', type: 'azure', name: '/subscriptions/1234/resourceGroups/reports' },
        { kind: 'internet', field: 'spec.calls[5]', ips: [], domains: ['api.stripe.com'], ports: [443] },
      ],
    },
  ],
  [
    'cross-namespace targets: server.other-ns, a workload and a Service',
    `apiVersion: k8s.otterize.com/v2beta1
kind: ClientIntents
metadata: {name: frontend, namespace: web}
spec:
  workload: {name: frontend, kind: Deployment}
  targets:
  - kubernetes: {name: server.other-ns, kind: Deployment}
  - service: {name: payments.billing}
`,
    {
      namespace: 'web',
      name: 'frontend',
      apiVersion: 'k8s.otterize.com/v2beta1',
      client: { name: 'frontend', kind: 'Deployment' },
      targets: [
        { kind: 'workload', field: 'spec.targets[0]', name: 'server', namespace: 'other-ns', workloadKind: 'Deployment' },
        { kind: 'service', field: 'spec.targets[1]', name: 'payments', namespace: 'billing' },
      ],
    },
  ],
  [
    'internet: addresses as /32 and /128, a CIDR as written, domains and ports',
    `apiVersion: k8s.otterize.com/v2beta1
kind: ClientIntents
metadata: {name: backup, namespace: ops}
spec:
  workload: {name: backup, kind: CronJob}
  targets:
  - internet:
      ips: [203.0.113.7, 198.51.100.0/24, "2001:db8::1"]
      ports: [443, 8443]
  - internet:
      domains: [s3.eu-west-1.amazonaws.com, "*.backups.example.com"]
`,
    {
      namespace: 'ops',
      name: 'backup',
      apiVersion: 'k8s.otterize.com/v2beta1',
      client: { name: 'backup', kind: 'CronJob' },
      targets: [
        { kind: 'internet', field: 'spec.targets[0]', ips: [cidr('203.0.113.7/32'), cidr('198.51.100.0/24'), cidr('2001:db8::1/128')], domains: [], ports: [443, 8443] },
        { kind: 'internet', field: 'spec.targets[1]', ips: [], domains: ['s3.eu-west-1.amazonaws.com', '*.backups.example.com'], ports: [] },
      ],
    },
  ],
  [
    'kafka, sql, aws, gcp and azure targets are read and ignored',
    `apiVersion: k8s.otterize.com/v2beta1
kind: ClientIntents
metadata: {name: checkoutservice, namespace: otterize-ecom-demo}
spec:
  workload: {name: checkoutservice, kind: Deployment}
  targets:
  - kafka:
      name: kafka-prod
      topics:
      - {name: orders, operations: [produce]}
  - sql:
      name: mysql-db
      privileges:
      - {databaseName: ecommerce, table: orders, operations: [SELECT, INSERT]}
  - aws:
      arn: arn:aws:s3:::orders-bucket
      actions: ["s3:GetObject"]
  - gcp:
      resource: projects/_/buckets/orders
      permissions: [storage.objects.get]
  - azure:
      scope: /subscriptions/1234/resourceGroups/orders
      roles: [Storage Blob Data Reader]
`,
    {
      namespace: 'otterize-ecom-demo',
      name: 'checkoutservice',
      apiVersion: 'k8s.otterize.com/v2beta1',
      client: { name: 'checkoutservice', kind: 'Deployment' },
      targets: [
        { kind: 'ignored', field: 'spec.targets[0]', type: 'kafka', name: 'kafka-prod' },
        { kind: 'ignored', field: 'spec.targets[1]', type: 'sql', name: 'mysql-db' },
        { kind: 'ignored', field: 'spec.targets[2]', type: 'aws', name: 'arn:aws:s3:::orders-bucket' },
        { kind: 'ignored', field: 'spec.targets[3]', type: 'gcp', name: 'projects/_/buckets/orders' },
        { kind: 'ignored', field: 'spec.targets[4]', type: 'azure', name: '/subscriptions/1234/resourceGroups/orders' },
      ],
    },
  ],
  [
    'the API server: kubernetes {name: kubernetes.default, kind: Service}, and v1 svc:kubernetes.default',
    `apiVersion: k8s.otterize.com/v2beta1
kind: ClientIntents
metadata: {name: operator, namespace: platform}
spec:
  workload: {name: operator}
  targets:
  - kubernetes: {name: kubernetes.default, kind: Service}
`,
    {
      namespace: 'platform',
      name: 'operator',
      apiVersion: 'k8s.otterize.com/v2beta1',
      client: { name: 'operator', kind: undefined },
      targets: [{ kind: 'service', field: 'spec.targets[0]', name: 'kubernetes', namespace: 'default' }],
    },
  ],
  [
    'the API server in v1alpha3, in a ClientIntents without a namespace (in default, as kubectl puts it)',
    `apiVersion: k8s.otterize.com/v1alpha3
kind: ClientIntents
metadata: {name: operator}
spec:
  service: {name: operator}
  calls:
  - name: svc:kubernetes.default
`,
    {
      namespace: 'default',
      name: 'operator',
      apiVersion: 'k8s.otterize.com/v1alpha3',
      client: { name: 'operator', kind: undefined },
      targets: [{ kind: 'service', field: 'spec.calls[0]', name: 'kubernetes', namespace: 'default' }],
    },
  ],
  [
    'no targets yet',
    `apiVersion: k8s.otterize.com/v2beta1
kind: ClientIntents
metadata: {name: lonely, namespace: a}
spec:
  workload: {name: lonely}
  targets: []
status: {upToDate: true, observedGeneration: 3}
`,
    { namespace: 'a', name: 'lonely', apiVersion: 'k8s.otterize.com/v2beta1', client: { name: 'lonely', kind: undefined }, targets: [] },
  ],
];

const V2 = (targets: string): string => `apiVersion: k8s.otterize.com/v2beta1
kind: ClientIntents
metadata: {name: client, namespace: team-a}
spec:
  workload: {name: client}
  targets:
${targets}`;

const V1 = (calls: string): string => `apiVersion: k8s.otterize.com/v1alpha3
kind: ClientIntents
metadata: {name: client, namespace: team-a}
spec:
  service: {name: client}
  calls:
${calls}`;

const BAD: ReadonlyArray<readonly [string, string, string]> = [
  ['two kinds in one target', V2('  - kubernetes: {name: api}\n  - kubernetes: {name: web}\n    service: {name: web}\n'), 'spec.targets[1]: sets both kubernetes and service; a target names exactly one'],
  ['three kinds in one target', V2('  - kubernetes: {name: web}\n    service: {name: web}\n    internet: {ips: [10.0.0.1]}\n'), 'spec.targets[0]: sets kubernetes, service and internet; a target names exactly one'],
  ['no kind in a target', V2('  - {}\n'), 'spec.targets[0]: sets none of kubernetes, service, internet, kafka, sql, aws, gcp, azure; a target names exactly one'],
  ['a bad IP', V2('  - internet: {ips: [203.0.113.7, 203.0.113.300]}\n'), 'spec.targets[0].internet.ips[1]: "203.0.113.300" is not an IP address or CIDR (e.g. 203.0.113.7 or 203.0.113.0/24)'],
  ['a bad CIDR', V2('  - internet: {ips: [10.0.0.0/33]}\n'), 'spec.targets[0].internet.ips[0]: "10.0.0.0/33" is not an IP address or CIDR (e.g. 203.0.113.7 or 203.0.113.0/24)'],
  ['a port out of range', V2('  - internet: {ips: [203.0.113.7], ports: [443, 70000]}\n'), 'spec.targets[0].internet.ports[1]: must be between 1 and 65535 (got 70000)'],
  ['an internet target with neither ips nor domains', V2('  - internet: {ports: [443]}\n'), 'spec.targets[0].internet: lists no ips and no domains; an internet target needs one or the other'],
  ['a missing spec.workload', 'apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client, namespace: team-a}\nspec:\n  targets: []\n', 'spec.workload: is required'],
  ['v1 fields in a v2 object', 'apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client, namespace: team-a}\nspec:\n  service: {name: client}\n  calls: []\n', 'spec.workload: is required'],
  ['missing targets', 'apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client, namespace: team-a}\nspec:\n  workload: {name: client}\n', 'spec.targets: is required (an empty list for none)'],
  ['no spec', 'apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client, namespace: team-a}\n', 'spec: is required'],
  [
    'an unknown version',
    'apiVersion: k8s.otterize.com/v1alpha2\nkind: ClientIntents\nmetadata: {name: client, namespace: team-a}\nspec: {service: {name: client}, calls: []}\n',
    'apiVersion: must be k8s.otterize.com/v2beta1, k8s.otterize.com/v2alpha1, k8s.otterize.com/v1beta1 or k8s.otterize.com/v1alpha3 for a ClientIntents (got "k8s.otterize.com/v1alpha2")',
  ],
  ['a target without a name', V2('  - kubernetes: {kind: Deployment}\n'), 'spec.targets[0].kubernetes.name: is required'],
  ['a target name with two dots', V2('  - kubernetes: {name: server.other-ns.svc}\n'), 'spec.targets[0].kubernetes.name: "server.other-ns.svc" is not NAME or NAME.NAMESPACE: "other-ns.svc" is not a namespace name (one dot at most)'],
  ['a Service name that is no Service name', V2('  - service: {name: Orders}\n'), `spec.targets[0].service.name: "Orders" is not a Service name (lowercase letters, digits and '-')`],
  ['a workload name that is none, in another namespace', V2('  - kubernetes: {name: Server_1.other}\n'), `spec.targets[0].kubernetes.name: "Server_1.other": "Server_1" is not a workload name (lowercase letters, digits and '-')`],
  ['a client name with a namespace', 'apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client, namespace: team-a}\nspec:\n  workload: {name: client.team-b}\n  targets: []\n', `spec.workload.name: "client.team-b" has a dot: the client is a workload in the ClientIntents' own namespace, named without one`],
  ['a kind in lower case', V2('  - kubernetes: {name: server, kind: deployment}\n'), 'spec.targets[0].kubernetes.kind: "deployment" is not a Kubernetes kind (one word, capitalised: Deployment, StatefulSet, Service)'],
  ['an http entry without a path', V2('  - service: {name: orders, http: [{methods: [GET]}]}\n'), 'spec.targets[0].service.http[0].path: is required'],
  ['an aws target without its arn', V2('  - aws: {actions: ["s3:GetObject"]}\n'), 'spec.targets[0].aws.arn: is required'],
  ['a v1 call of an unknown type', V1('  - {name: server, type: grpc}\n'), 'spec.calls[0].type: must be one of http, kafka, database, aws, gcp, azure, internet (got "grpc")'],
  ['a v1 internet call without internet', V1('  - {type: internet}\n'), 'spec.calls[0].internet: is required'],
  ['a v1 call with internet but another type', V1('  - name: api\n    internet: {ips: [203.0.113.7]}\n'), "spec.calls[0].internet: is read only with type internet (this call's type is http)"],
  ['a v1 svc: call of another kind', V1('  - {name: "svc:orders", kind: Deployment}\n'), 'spec.calls[0].kind: is Deployment, but the name "svc:orders" names a Service'],
  ['a v1 call without a name', V1('  - {type: http}\n'), 'spec.calls[0].name: is required'],
];

describe('decodeClientIntents', () => {
  it.each(READ)('reads %s', (_title, text, expected) => {
    expect(decodeClientIntents(parse(text))).toStrictEqual(expected);
  });

  it.each(BAD)('refuses %s, naming the field', (_title, text, message) => {
    expect(decodeError(text)).toBe(message);
  });
});

describe('decodeObject and loadObjects with ClientIntents', () => {
  it('reads a ClientIntents of k8s.otterize.com, and passes one of another group through as another kind', () => {
    const [, text, intents] = READ[0] ?? [];
    expect(decodeObject(parse(text ?? ''))).toStrictEqual({ kind: 'ClientIntents', intents });
    expect(decodeObject({ apiVersion: 'example.com/v1', kind: 'ClientIntents', metadata: { name: 'x' } })).toEqual({ kind: 'Other', apiVersion: 'example.com/v1', otherKind: 'ClientIntents' });
  });

  it.each([
    ['v2beta1', V2('  - kubernets: {name: server}\n'), 'intents.yaml:1 (document 1) ClientIntents team-a/client: strict decoding error: unknown field "spec.targets[0].kubernets"'],
    [
      'v2beta1, a v1 field and a field under http',
      V2('  - service: {name: orders, http: [{paths: [/orders]}]}\n').replace('spec:\n', 'spec:\n  calls: []\n'),
      'intents.yaml:1 (document 1) ClientIntents team-a/client: strict decoding error: unknown field "spec.calls", unknown field "spec.targets[0].service.http[0].paths"',
    ],
    ['v1alpha3 (azureActions came with v1beta1)', V1('  - {name: x, type: azure, azureActions: [read]}\n'), 'intents.yaml:1 (document 1) ClientIntents team-a/client: strict decoding error: unknown field "spec.calls[0].azureActions"'],
    ['v1beta1', V1('  - {name: server, HTTPResource: []}\n').replace('v1alpha3', 'v1beta1'), 'intents.yaml:1 (document 1) ClientIntents team-a/client: strict decoding error: unknown field "spec.calls[0].HTTPResource"'],
  ])('refuses an unknown field strictly, as the API server names it (%s)', (_title, text, message) => {
    expect(loadError(text)).toBe(message);
  });

  it('names the file, line and object of a bad ClientIntents in the second document', () => {
    const text = `${V2('  - kubernetes: {name: api}\n')}---\n${V2('  - kubernetes: {name: api}\n    service: {name: api}\n').replace('name: client,', 'name: other,')}`;
    expect(loadError(text)).toBe('intents.yaml:9 (document 2) ClientIntents team-a/other: spec.targets[0]: sets both kubernetes and service; a target names exactly one');
  });

  it('refuses an unknown version in the loader, naming apiVersion and the versions read', () => {
    expect(loadError(V2('    []\n').replace('v2beta1', 'v3'))).toBe(
      'intents.yaml:1 (document 1) ClientIntents team-a/client: apiVersion: must be k8s.otterize.com/v2beta1, k8s.otterize.com/v2alpha1, k8s.otterize.com/v1beta1 or k8s.otterize.com/v1alpha3 for a ClientIntents (got "k8s.otterize.com/v3")',
    );
  });
});
