/**
 * Strict field validation, as the API server does it for `fieldValidation=Strict` (kubectl's
 * default since 1.27): a manifest field the kind's schema does not have is an error, every one
 * named by its path (`spec.ingress[0].form`), in document order. netfence knows the schemas of the
 * kinds whose manifests it judges (NetworkPolicy and Namespace, networking.k8s.io/v1 and v1 as of
 * Kubernetes 1.28); objects of other kinds are not checked.
 */

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

const SHAPES: Readonly<Record<string, Shape>> = { NetworkPolicy: NETWORK_POLICY, Namespace: NAMESPACE };

/**
 * unknownFields lists the paths of the fields a manifest has and its kind's schema does not, in
 * document order; empty for a kind without a known schema.
 */
export function unknownFields(kind: string, manifest: unknown): string[] {
  const shape = Object.hasOwn(SHAPES, kind) ? SHAPES[kind] : undefined;
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
