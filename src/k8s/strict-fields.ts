/**
 * Strict field validation, as the API server does it for `fieldValidation=Strict` (kubectl's
 * default since 1.27): a manifest field the kind's schema does not have is an error, every one
 * named by its path (`spec.ingress[0].form`), in document order. netfence knows the schemas of the
 * kinds whose manifests it judges (NetworkPolicy and Namespace, networking.k8s.io/v1 and v1 as of
 * Kubernetes 1.28) and of ClientIntents (each version of k8s.otterize.com it reads, as the
 * intents-operator's CRD defines it); objects of other kinds are not checked.
 */

import { isRecord } from './decode.js';

/** Shape is a schema node: an object with known fields, a list of one shape, or a value not looked into. */
type Shape = { readonly fields: Readonly<Record<string, Shape>> } | { readonly items: Shape } | 'value';

const VALUE = 'value';
const object = (fields: Record<string, Shape>): Shape => ({ fields });
const list = (items: Shape): Shape => ({ items });

const LABEL_SELECTOR = object({
  matchLabels: VALUE,
  matchExpressions: list(object({ key: VALUE, operator: VALUE, values: VALUE })),
});

const OBJECT_META = object({
  name: VALUE,
  generateName: VALUE,
  namespace: VALUE,
  selfLink: VALUE,
  uid: VALUE,
  resourceVersion: VALUE,
  generation: VALUE,
  creationTimestamp: VALUE,
  deletionTimestamp: VALUE,
  deletionGracePeriodSeconds: VALUE,
  labels: VALUE,
  annotations: VALUE,
  ownerReferences: list(object({ apiVersion: VALUE, kind: VALUE, name: VALUE, uid: VALUE, controller: VALUE, blockOwnerDeletion: VALUE })),
  finalizers: VALUE,
  managedFields: list(object({ manager: VALUE, operation: VALUE, apiVersion: VALUE, time: VALUE, fieldsType: VALUE, fieldsV1: VALUE, subresource: VALUE })),
});

const PEER = object({
  podSelector: LABEL_SELECTOR,
  namespaceSelector: LABEL_SELECTOR,
  ipBlock: object({ cidr: VALUE, except: VALUE }),
});

const PORTS = list(object({ protocol: VALUE, port: VALUE, endPort: VALUE }));

/** NetworkPolicy v1 has had no status since Kubernetes 1.28: a `status` is an unknown field. */
const NETWORK_POLICY = object({
  apiVersion: VALUE,
  kind: VALUE,
  metadata: OBJECT_META,
  spec: object({
    podSelector: LABEL_SELECTOR,
    ingress: list(object({ from: list(PEER), ports: PORTS })),
    egress: list(object({ to: list(PEER), ports: PORTS })),
    policyTypes: VALUE,
  }),
});

const NAMESPACE = object({
  apiVersion: VALUE,
  kind: VALUE,
  metadata: OBJECT_META,
  spec: object({ finalizers: VALUE }),
  status: object({ phase: VALUE, conditions: list(object({ type: VALUE, status: VALUE, lastTransitionTime: VALUE, reason: VALUE, message: VALUE })) }),
});

/** ClientIntents' shapes follow the intents-operator's CRD (k8s.otterize.com_clientintents.yaml). */
const HTTP_RESOURCES = list(object({ path: VALUE, methods: VALUE }));
const KAFKA_TOPICS = list(object({ name: VALUE, operations: VALUE }));
const DATABASE_RESOURCES = list(object({ databaseName: VALUE, table: VALUE, operations: VALUE }));
const INTERNET = object({ domains: VALUE, ips: VALUE, ports: VALUE });
const AZURE_KEY_VAULT_POLICY = object({ certificatePermissions: VALUE, keyPermissions: VALUE, secretPermissions: VALUE, storagePermissions: VALUE });
const INTENTS_STATUS = object({ upToDate: VALUE, observedGeneration: VALUE, resolvedIPs: list(object({ dns: VALUE, ips: VALUE })) });

const clientIntents = (spec: Shape): Shape => object({ apiVersion: VALUE, kind: VALUE, metadata: OBJECT_META, spec, status: INTENTS_STATUS });

/** v2beta1 and v2alpha1: `spec.workload` calls `spec.targets`, each one kind of target. */
const CLIENT_INTENTS_V2 = clientIntents(
  object({
    workload: object({ name: VALUE, kind: VALUE }),
    targets: list(
      object({
        kubernetes: object({ name: VALUE, kind: VALUE, http: HTTP_RESOURCES }),
        service: object({ name: VALUE, http: HTTP_RESOURCES }),
        internet: INTERNET,
        kafka: object({ name: VALUE, topics: KAFKA_TOPICS }),
        sql: object({ name: VALUE, privileges: DATABASE_RESOURCES }),
        aws: object({ arn: VALUE, actions: VALUE }),
        gcp: object({ resource: VALUE, permissions: VALUE }),
        azure: object({ scope: VALUE, roles: VALUE, actions: VALUE, dataActions: VALUE, keyVaultPolicy: AZURE_KEY_VAULT_POLICY }),
      }),
    ),
  }),
);

/** v1alpha3's calls; v1beta1 adds azureActions and azureDataActions. */
const CALL_V1ALPHA3: Readonly<Record<string, Shape>> = {
  name: VALUE,
  kind: VALUE,
  type: VALUE,
  kafkaTopics: KAFKA_TOPICS,
  HTTPResources: HTTP_RESOURCES,
  databaseResources: DATABASE_RESOURCES,
  awsActions: VALUE,
  gcpPermissions: VALUE,
  azureRoles: VALUE,
  azureKeyVaultPolicy: AZURE_KEY_VAULT_POLICY,
  internet: INTERNET,
};

const clientIntentsV1 = (call: Readonly<Record<string, Shape>>): Shape => clientIntents(object({ service: object({ name: VALUE, kind: VALUE }), calls: list(object(call)) }));

const CLIENT_INTENTS: Readonly<Record<string, Shape>> = {
  'k8s.otterize.com/v2beta1': CLIENT_INTENTS_V2,
  'k8s.otterize.com/v2alpha1': CLIENT_INTENTS_V2,
  'k8s.otterize.com/v1beta1': clientIntentsV1({ ...CALL_V1ALPHA3, azureActions: VALUE, azureDataActions: VALUE }),
  'k8s.otterize.com/v1alpha3': clientIntentsV1(CALL_V1ALPHA3),
};

const SHAPES: Readonly<Record<string, Shape>> = { NetworkPolicy: NETWORK_POLICY, Namespace: NAMESPACE };

/** shapeOf is a manifest's schema: by kind, and for a ClientIntents by its apiVersion (none for a version netfence does not read). */
function shapeOf(kind: string, manifest: unknown): Shape | undefined {
  if (kind === 'ClientIntents') {
    const apiVersion = isRecord(manifest) ? manifest['apiVersion'] : undefined;
    return typeof apiVersion === 'string' && Object.hasOwn(CLIENT_INTENTS, apiVersion) ? CLIENT_INTENTS[apiVersion] : undefined;
  }
  return Object.hasOwn(SHAPES, kind) ? SHAPES[kind] : undefined;
}

/**
 * unknownFields lists the paths of the fields a manifest has and its kind's schema does not, in
 * document order; empty for a kind without a known schema.
 */
export function unknownFields(kind: string, manifest: unknown): string[] {
  const shape = shapeOf(kind, manifest);
  const found: string[] = [];
  if (shape !== undefined) walk(manifest, shape, '', found);
  return found;
}

function walk(value: unknown, shape: Shape, path: string, found: string[]): void {
  if (shape === VALUE || value === null || typeof value !== 'object') return;
  if ('items' in shape) {
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, shape.items, `${path}[${index}]`, found));
    return;
  }
  if (Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path === '' ? key : `${path}.${key}`;
    const childShape = shape.fields[key];
    if (childShape === undefined) found.push(childPath);
    else walk(child, childShape, childPath, found);
  }
}

/** strictDecodingError is the API server's message for unknown fields, e.g. `strict decoding error: unknown field "spec.podSelecter"`. */
export function strictDecodingError(fields: readonly string[]): string {
  return `strict decoding error: ${fields.map((field) => `unknown field ${JSON.stringify(field)}`).join(', ')}`;
}
