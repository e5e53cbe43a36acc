import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultConfig } from '../../src/config/defaults.js';
import type { Config } from '../../src/guardrails/config.js';
import { buildApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { StandaloneContext } from '../../src/server/standalone-context.js';
import { EditableState } from '../../src/state/editable-state.js';
import { LogLines, reviewFrom, soundNamespace, stateOf } from '../support/webhook.js';

/**
 * `peer-split` through /validate: a policy CREATE whose rule splits "backend pods in production
 * namespaces" into two peers is admitted with a one-line warning, and the audit annotation carries
 * the finding with the joined policy as its fix. Severity and mode come from the configuration and
 * the namespace, as for every rule.
 */


const STATE = stateOf([soundNamespace('shop', { 'netfence.io/mode': 'enforce', 'netfence.io/baseline': 'default' }), soundNamespace('lab', { 'netfence.io/mode': 'audit', 'netfence.io/baseline': 'default' })].join('---\n'));

/** The seed example: meant "pods app=backend in namespaces env=production", written as two peers. */
const splitPolicy = (ns: string, from: string): unknown =>
  parse(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-backend, namespace: ${ns}}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
  - from:
${from}
    ports: [{port: 8080}]
`);
const SPLIT = `    - namespaceSelector: {matchLabels: {env: production}}
    - podSelector: {matchLabels: {app: backend}}`;
const JOINED = `    - namespaceSelector: {matchLabels: {env: production}}
      podSelector: {matchLabels: {app: backend}}`;

async function validate(ns: string, from: string, config: Partial<Config> = {}) {
  const app = buildApp({
    context: new StandaloneContext(new EditableState(STATE), { ...defaultConfig(), ...config }),
    metrics: new Metrics({ processMetrics: false }),
    logger: pino(new LogLines().stream),
    ready: () => true,
  });
  const body = reviewFrom('009', { operation: 'CREATE', namespace: ns, name: 'api-from-backend', object: splitPolicy(ns, from) });
  const response = (await app.inject({ method: 'POST', url: '/validate', payload: body })).json().response;
  await app.close();
  return response;
}

describe('peer-split at admission', () => {
  it('admits a CREATE in enforce mode with one kubectl warning, and records the finding and its fix', async () => {
    const response = await validate('shop', SPLIT);
    expect(response.allowed).toBe(true);
    expect(response.warnings).toEqual(['[peer-split] shop/api-from-backend ingress[0]: from[0] (namespaces) OR from[1] (pods); meant one peer with both?']);
    expect(response.warnings[0].length).toBeLessThan(120);
    const findings = JSON.parse(response.auditAnnotations.findings);
    expect(findings).toEqual([
      {
        rule: 'peer-split',
        severity: 'warn',
        object: 'shop/api-from-backend',
        message: expect.stringContaining('as written it admits traffic from every pod in namespaces env=production (from[0]); or pods app=backend in shop (from[1])'),
        fix: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'api-from-backend', namespace: 'shop' },
          spec: {
            podSelector: { matchLabels: { app: 'api' } },
            policyTypes: ['Ingress'],
            ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'production' } }, podSelector: { matchLabels: { app: 'backend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
          },
        },
      },
    ]);
    expect(response.auditAnnotations).toMatchObject({ mode: 'enforce', decision: 'allow' });
  });

  it('says nothing of the joined peer (its fix)', async () => {
    const response = await validate('shop', JOINED);
    expect(response).toEqual({ uid: expect.any(String), allowed: true, auditAnnotations: { mode: 'enforce', decision: 'allow' } });
  });

  it('warns in audit mode too', async () => {
    const response = await validate('lab', SPLIT);
    expect(response.allowed).toBe(true);
    expect(response.warnings).toEqual([expect.stringMatching(/^\[peer-split\] lab\/api-from-backend ingress\[0\]/)]);
  });

  it('denies in enforce mode when the configuration makes it deny, with the fix in the message', async () => {
    const response = await validate('shop', SPLIT, { severity: { ...defaultConfig().severity, 'peer-split': 'deny' } });
    expect(response.allowed).toBe(false);
    expect(response.status.message).toContain('[peer-split] shop/api-from-backend ingress[0] lists a namespaceSelector-only peer and a podSelector-only peer');
    expect(response.status.message).toMatch(/Policy to apply[\s\S]*namespaceSelector[\s\S]*env\W+production[\s\S]*podSelector[\s\S]*app\W+backend/);
  });

  it('is silent when the configuration turns it off', async () => {
    const response = await validate('shop', SPLIT, { severity: { ...defaultConfig().severity, 'peer-split': 'off' } });
    expect(response).toEqual({ uid: expect.any(String), allowed: true, auditAnnotations: { mode: 'enforce', decision: 'allow' } });
  });
});
