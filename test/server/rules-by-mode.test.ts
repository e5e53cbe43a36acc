import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { RuleId } from '../../src/guardrails/finding.js';
import { parseConfig } from '../../src/config/parse-config.js';
import { buildApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { StandaloneContext } from '../../src/server/standalone-context.js';
import { EditableState } from '../../src/state/editable-state.js';
import { pino } from 'pino';
import { LogLines, reviewFrom, soundNamespace, stateOf } from '../support/webhook.js';

/**
 * Every rule, in every mode: a change that breaks exactly that rule, sent as an AdmissionReview
 * made from a captured one, to namespaces labelled enforce, audit and off.
 */

const JANE = { username: 'jane', groups: ['tenants', 'system:authenticated'] };
const DNS_TO = `to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]`;

/**
 * namespaceState is one namespace in a mode, adopted with the `marker` profile (its policy
 * `baseline` in place, `baseline-pending-marker` not yet: the provisioning gate's case), and sound
 * by its own policies, split in parts the cases change. The marker profile isolates nothing the
 * cases touch, so judging with the baseline in place leaves each case to one rule.
 */
function namespaceState(namespace: string, mode: string): string {
  return `${soundNamespace(namespace, { 'netfence.io/mode': mode, 'netfence.io/baseline': 'marker' })}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-prometheus, namespace: ${namespace}}
spec: {podSelector: {matchLabels: {metrics: "true"}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}, podSelector: {matchLabels: {app: prometheus}}}], ports: [{port: 9100}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: baseline, namespace: ${namespace}, labels: {app.kubernetes.io/managed-by: netfence, netfence.io/profile: default}}
spec: {podSelector: {matchLabels: {netfence: marker}}, policyTypes: [Ingress]}
`;
}

const policy = (namespace: string, name: string, spec: string, labels = '{}'): unknown =>
  parse(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${namespace}, labels: ${labels}}\nspec: ${spec}`);

interface Case {
  readonly rule: RuleId;
  readonly severity: 'deny' | 'warn';
  readonly review: (namespace: string, mode: string) => Record<string, unknown>;
}

const CASES: Case[] = [
  {
    rule: 'essential-egress',
    severity: 'deny',
    review: (ns) => reviewFrom('014', { operation: 'DELETE', namespace: ns, name: 'allow-dns', oldObject: policy(ns, 'allow-dns', `{podSelector: {}, policyTypes: [Egress], egress: [{${DNS_TO}, ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]}`) }),
  },
  {
    rule: 'essential-ingress',
    severity: 'deny',
    review: (ns) => reviewFrom('014', { operation: 'DELETE', namespace: ns, name: 'allow-prometheus', oldObject: policy(ns, 'allow-prometheus', '{podSelector: {matchLabels: {metrics: "true"}}, policyTypes: [Ingress], ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}, podSelector: {matchLabels: {app: prometheus}}}], ports: [{port: 9100}]}]}') }),
  },
  {
    rule: 'default-deny-missing',
    severity: 'deny',
    review: (ns) => reviewFrom('014', { operation: 'DELETE', namespace: ns, name: 'default-deny', oldObject: policy(ns, 'default-deny', '{podSelector: {}, policyTypes: [Ingress, Egress]}') }),
  },
  {
    rule: 'allow-all',
    severity: 'deny',
    review: (ns) => reviewFrom('009', { operation: 'CREATE', namespace: ns, name: 'open-all', object: policy(ns, 'open-all', '{podSelector: {}, policyTypes: [Ingress], ingress: [{}]}') }),
  },
  {
    rule: 'unrestricted-peers',
    severity: 'warn',
    review: (ns) => reviewFrom('009', { operation: 'CREATE', namespace: ns, name: 'open-web', object: policy(ns, 'open-web', '{podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress], ingress: [{}]}') }),
  },
  {
    rule: 'managed-policy-change',
    severity: 'deny',
    review: (ns) => {
      const managed = policy(ns, 'baseline', '{podSelector: {matchLabels: {netfence: marker}}, policyTypes: [Ingress]}', '{app.kubernetes.io/managed-by: netfence, netfence.io/profile: default}');
      return reviewFrom('009', { operation: 'UPDATE', namespace: ns, name: 'baseline', object: managed, oldObject: managed, user: JANE });
    },
  },
  {
    rule: 'baseline-opt-out',
    severity: 'deny',
    review: (ns, mode) => {
      const namespace = (labels: string): unknown => parse(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: ${labels}}`);
      return reviewFrom('022', {
        operation: 'UPDATE',
        namespace: ns,
        name: ns,
        object: namespace(`{netfence.io/mode: "${mode}", netfence.io/baseline: none}`),
        oldObject: namespace(`{netfence.io/mode: "${mode}"}`),
        user: JANE,
      });
    },
  },
  {
    rule: 'dns-tcp-missing',
    severity: 'warn',
    review: (ns) =>
      reviewFrom('011', {
        operation: 'UPDATE',
        namespace: ns,
        name: 'allow-dns',
        object: policy(ns, 'allow-dns', `{podSelector: {}, policyTypes: [Egress], egress: [{${DNS_TO}, ports: [{port: 53, protocol: UDP}]}]}`),
        oldObject: policy(ns, 'allow-dns', `{podSelector: {}, policyTypes: [Egress], egress: [{${DNS_TO}, ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]}`),
      }),
  },
  {
    rule: 'namespace-selector-all',
    severity: 'warn',
    review: (ns) => reviewFrom('009', { operation: 'CREATE', namespace: ns, name: 'from-all-ns', object: policy(ns, 'from-all-ns', '{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: lb}}}]}]}') }),
  },
  {
    // The provisioning gate (on in this config): the namespaces' baseline profile is not in place.
    rule: 'baseline-pending',
    severity: 'deny',
    review: (ns) => reviewFrom('015', { operation: 'CREATE', namespace: ns, name: 'web-1', object: parse(`apiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: ${ns}}\nspec: {containers: [{name: web, image: nginx}]}`) }),
  },
];

const MODES = ['enforce', 'audit', 'off'] as const;
const config = parseConfig(
  parse(`
provisioningGate: true
profiles:
  marker:
  - {name: baseline, spec: {podSelector: {matchLabels: {netfence: marker}}, policyTypes: [Ingress]}}
  - {name: baseline-pending-marker, spec: {podSelector: {matchLabels: {netfence: pending}}, policyTypes: [Ingress]}}
essentialServices:
- name: prometheus
  direction: Ingress
  namespaceLabels: {kubernetes.io/metadata.name: monitoring}
  podLabels: {app: prometheus}
  ports: [9100/TCP]
  targets: {matchLabels: {metrics: "true"}}
`),
);
const STATE = stateOf(MODES.map((mode) => namespaceState(`ns-${mode}`, mode)).join('---\n'));
/** freshApp starts from the same state every time: standalone netfence learns from what it admits. */
const freshApp = () =>
  buildApp({
    context: new StandaloneContext(new EditableState(STATE), config),
    metrics: new Metrics({ processMetrics: false }),
    logger: pino(new LogLines().stream),
    ready: () => true,
  });

describe.each(CASES)('$rule', ({ rule, severity, review }) => {
  it.each(MODES)('in mode %s', async (mode) => {
    const body = review(`ns-${mode}`, mode);
    const app = freshApp();
    const response = (await app.inject({ method: 'POST', url: '/validate', payload: body })).json().response;
    const findings: Array<{ rule: string }> = JSON.parse(response.auditAnnotations?.findings ?? '[]');
    if (mode === 'off') {
      expect(response).toEqual({ uid: expect.any(String), allowed: true });
      return;
    }
    // Exactly the rule under test, so each case proves one rule.
    expect(findings.map((finding) => finding.rule)).toEqual([rule]);
    const warnings: string[] = response.warnings ?? [];
    if (mode === 'enforce' && severity === 'deny') {
      expect(response.allowed).toBe(false);
      expect(response.status.message).toContain(`[${rule}]`);
      expect(response.auditAnnotations.decision).toBe('deny');
    } else {
      expect(response.allowed).toBe(true);
      expect(warnings).toEqual([expect.stringContaining(`[${rule}]`)]);
      expect(response.auditAnnotations).toMatchObject({ mode, decision: 'allow' });
    }
    for (const warning of warnings) expect(warning.length).toBeLessThan(120);
  });
});
