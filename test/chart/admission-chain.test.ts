import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../../src/config/parse-config.js';
import { buildApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { StandaloneContext } from '../../src/server/standalone-context.js';
import { EditableState } from '../../src/state/editable-state.js';
import { loadState } from '../../src/state/load-state.js';
import { installHelm } from '../support/helm.js';
import type { Helm } from '../support/helm.js';
import { reviewFrom } from '../support/webhook.js';

/**
 * Remediation end to end through the chart's webhook configurations: the API server's admission
 * chain replayed as it runs it (every mutating webhook whose rules and namespaceSelector match, in
 * order, its JSON patch applied; then every validating webhook on the patched object), against
 * netfence serving the configuration the chart renders. With `remediation.essentialEgress` the
 * DNS-less policy is stored with its DNS rule; without it the chart registers no /mutate for
 * NetworkPolicies and the same policy is denied.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'charts', 'netfence');
const EXAMPLE = join(ROOT, 'examples', 'cluster');

type Json = Record<string, unknown>;
interface Rule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
}
interface Webhook {
  name: string;
  rules: Rule[];
  namespaceSelector?: { matchExpressions?: Array<{ key: string; operator: string; values: string[] }> };
  clientConfig: { service?: { path?: string } };
}

let helm: Helm;
beforeAll(async () => {
  helm = await installHelm();
}, 120_000);

function render(...sets: string[]): { config: string; mutating: Webhook[]; validating: Webhook[] } {
  const objects = parseAllDocuments(helm.run(['template', 'netfence', CHART, '--namespace', 'netfence', ...sets])).map((document) => document.toJS() as Json | null);
  const ofKind = (kind: string) => objects.find((object) => object?.['kind'] === kind);
  const config = (ofKind('ConfigMap')?.['data'] as Record<string, string> | undefined)?.['netfence.yaml'] ?? '';
  return { config, mutating: (ofKind('MutatingWebhookConfiguration')?.['webhooks'] as Webhook[]) ?? [], validating: (ofKind('ValidatingWebhookConfiguration')?.['webhooks'] as Webhook[]) ?? [] };
}

/** intercepts says whether the API server calls a webhook for a namespaced networking.k8s.io/v1 request. */
function intercepts(webhook: Webhook, operation: string, resource: string, namespaceLabels: Record<string, string>): boolean {
  const ruleMatches = webhook.rules.some(
    (rule) => rule.apiGroups.includes('networking.k8s.io') && rule.apiVersions.includes('v1') && rule.operations.includes(operation) && rule.resources.includes(resource),
  );
  const selected = (webhook.namespaceSelector?.matchExpressions ?? []).every((expression) => {
    const value = namespaceLabels[expression.key];
    if (expression.operator === 'NotIn') return value === undefined || !expression.values.includes(value);
    if (expression.operator === 'In') return value !== undefined && expression.values.includes(value);
    throw new Error(`operator ${expression.operator} not replayed by this test`);
  });
  return ruleMatches && selected;
}

/** applyPatch applies a JSON patch of `add` operations (all netfence sends) as RFC 6902 says. */
function applyPatch(document: Json, patch: Array<{ op: string; path: string; value: unknown }>): Json {
  const result = structuredClone(document);
  for (const operation of patch) {
    if (operation.op !== 'add') throw new Error(`patch op ${operation.op} not replayed by this test`);
    const tokens = operation.path.split('/').slice(1).map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = tokens.pop();
    const parent = tokens.reduce<unknown>((node, token) => (node as Json)[token], result);
    if (Array.isArray(parent)) {
      if (last === '-') parent.push(operation.value);
      else parent.splice(Number(last), 0, operation.value);
    } else (parent as Json)[last ?? ''] = operation.value;
  }
  return result;
}

/** admit replays the API server's admission chain for a NetworkPolicy CREATE in monitoring. */
async function admit(sets: string[], policy: Json): Promise<{ stored: Json; allowed: boolean; message: string; mutatedBy: string[] }> {
  const { config, mutating, validating } = render(...sets);
  const state = (await loadState(EXAMPLE)).state;
  const app = buildApp({ context: new StandaloneContext(new EditableState(state), parseConfig(parse(config))), metrics: new Metrics({ processMetrics: false }), logger: pino({ level: 'silent' }), ready: () => true });
  const labels = Object.fromEntries(state.namespaceLabels('monitoring') ?? []);
  let object = policy;
  const mutatedBy: string[] = [];
  try {
    for (const webhook of mutating.filter((hook) => intercepts(hook, 'CREATE', 'networkpolicies', labels))) {
      const review = reviewFrom('004', { operation: 'CREATE', namespace: 'monitoring', name: 'prometheus-to-db', object });
      const response = (await app.inject({ method: 'POST', url: webhook.clientConfig.service?.path ?? '', payload: review })).json().response;
      if (response.patch !== undefined) {
        object = applyPatch(object, JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')));
        mutatedBy.push(webhook.name);
      }
    }
    let allowed = true;
    let message = '';
    for (const webhook of validating.filter((hook) => intercepts(hook, 'CREATE', 'networkpolicies', labels))) {
      const review = reviewFrom('005', { operation: 'CREATE', namespace: 'monitoring', name: 'prometheus-to-db', object });
      const response = (await app.inject({ method: 'POST', url: webhook.clientConfig.service?.path ?? '', payload: review })).json().response;
      allowed &&= response.allowed === true;
      message += response.status?.message ?? '';
    }
    return { stored: object, allowed, message, mutatedBy };
  } finally {
    await app.close();
  }
}

/** A DNS-less egress policy for monitoring's Prometheus (a namespace in enforce mode whose pods no policy isolates yet). */
const PROMETHEUS_EGRESS: Json = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'prometheus-to-db', namespace: 'monitoring' },
  spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432 }] }] },
};

describe("remediation through the chart's webhook configurations", () => {
  it('with remediation.essentialEgress, the policy is stored with its DNS rule and no essential-egress denial', async () => {
    const { stored, message, mutatedBy } = await admit(['--set', 'remediation.essentialEgress=true'], PROMETHEUS_EGRESS);
    expect(mutatedBy).toEqual(['networkpolicies.mutate.netfence.io']);
    const egress = (stored['spec'] as { egress: Json[] }).egress;
    expect(egress).toHaveLength(2);
    expect(egress[1]?.['ports']).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    expect(message).not.toContain('[essential-egress]');
  });

  it('without it, nothing mutates the policy and the validating webhook denies it for DNS', async () => {
    const { stored, allowed, message, mutatedBy } = await admit([], PROMETHEUS_EGRESS);
    expect(mutatedBy).toEqual([]);
    expect(stored).toEqual(PROMETHEUS_EGRESS);
    expect(allowed).toBe(false);
    expect(message).toContain('[essential-egress]');
  });
});
