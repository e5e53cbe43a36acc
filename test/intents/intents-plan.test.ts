import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import type { Config } from '../../src/guardrails/config.js';
import { resolveEssentialServices } from '../../src/guardrails/resolve-essential-services.js';
import { INTENTS_LABEL } from '../../src/guardrails/baseline.js';
import { planIntents } from '../../src/intents/intents-plan.js';
import type { IntentsPlan } from '../../src/intents/intents-plan.js';
import type { ClientIntents } from '../../src/model/client-intents.js';
import type { ClusterState } from '../../src/model/cluster-state.js';
import { loadState } from '../../src/state/load-state.js';

/**
 * planIntents, what the intents reconciler does each pass: independent sets proven together (and
 * alone when together fails), the generated policies in place compared with those wanted, and what
 * a namespace's mode, an exemption or a policy of the same name lets netfence do.
 */

const KUBE_SYSTEM = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'cluster', 'kube-system.yaml'), 'utf8');

const deployment = (ns: string, name: string, ports: number[] = [], labels: Record<string, string> = { app: name }) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'app', ports: ports.map((containerPort) => ({ containerPort })) }] } } },
});
const namespace = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const policy = (ns: string, name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns, labels }, spec: { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'] } });
const GENERATED = { 'app.kubernetes.io/managed-by': 'netfence', [INTENTS_LABEL]: 'server' };

async function stateOf(objects: readonly object[]): Promise<ClusterState> {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-intents-plan-'));
  writeFileSync(join(dir, 'kube-system.yaml'), KUBE_SYSTEM);
  writeFileSync(join(dir, 'state.yaml'), objects.map((object) => stringify(object)).join('---\n'));
  return (await loadState(dir)).state;
}

const calls = (ns: string, client: string, ...servers: string[]): ClientIntents => ({
  namespace: ns,
  name: client,
  apiVersion: 'k8s.otterize.com/v2beta1',
  client: { name: client, kind: undefined },
  targets: servers.map((server, index) => {
    const [name = server, targetNamespace = ns] = server.split('.');
    return { kind: 'workload', field: `spec.targets[${index}]`, name, namespace: targetNamespace, workloadKind: undefined };
  }),
});

function plan(state: ClusterState, intents: readonly ClientIntents[], config: Config = defaultConfig()): IntentsPlan {
  return planIntents(state, intents, config, resolveEssentialServices(state, config));
}

const summary = (result: IntentsPlan) =>
  result.namespaces.map((ns) => ({ namespace: ns.namespace, action: ns.action, create: ns.create.map((p) => p.name), replace: ns.replace.map((p) => p.name), remove: ns.remove, conflicts: ns.conflicts }));

describe('planIntents', () => {
  it('groups ClientIntents that share a server into one set, and keeps the others apart', async () => {
    const state = await stateOf([namespace('a'), namespace('b'), namespace('db'), deployment('a', 'app'), deployment('b', 'app'), deployment('b', 'cron'), deployment('db', 'postgres', [5432]), deployment('b', 'cache', [6379])]);
    const result = plan(state, [calls('a', 'app', 'postgres.db'), calls('b', 'app', 'postgres.db'), calls('b', 'cron', 'cache')]);
    expect(result.sets.map((set) => set.intents)).toEqual([['a/app', 'b/app'], ['b/cron']]);
    expect(result.sets.every((set) => set.failures.length === 0)).toBe(true);
    expect(result.policiesOf.get('a/app')).toEqual(['a/netfence-intents-app', 'db/netfence-intents-to-postgres']);
    expect(summary(result)).toEqual([
      { namespace: 'a', action: 'enforce', create: ['netfence-intents-app'], replace: [], remove: [], conflicts: [] },
      { namespace: 'b', action: 'enforce', create: ['netfence-intents-app', 'netfence-intents-cron', 'netfence-intents-to-cache'], replace: [], remove: [], conflicts: [] },
      { namespace: 'db', action: 'enforce', create: ['netfence-intents-to-postgres'], replace: [], remove: [], conflicts: [] },
    ]);
  });

  it('replaces a drifted generated policy, deletes one no intents call for, and leaves policies it does not manage alone', async () => {
    const state = await stateOf([namespace('shop'), deployment('shop', 'web'), deployment('shop', 'server', [80]), policy('shop', 'netfence-intents-to-server', GENERATED), policy('shop', 'netfence-intents-to-gone', GENERATED), policy('shop', 'tenant-own')]);
    expect(summary(plan(state, [calls('shop', 'web', 'server')]))).toEqual([
      { namespace: 'shop', action: 'enforce', create: ['netfence-intents-web'], replace: ['netfence-intents-to-server'], remove: ['netfence-intents-to-gone'], conflicts: [] },
    ]);
  });

  it('writes no policy over one of the same name that netfence does not manage, and says so on the intents', async () => {
    const state = await stateOf([namespace('shop'), deployment('shop', 'web'), deployment('shop', 'server', [80]), policy('shop', 'netfence-intents-to-server')]);
    const result = plan(state, [calls('shop', 'web', 'server')]);
    expect(summary(result)).toEqual([{ namespace: 'shop', action: 'enforce', create: ['netfence-intents-web'], replace: [], remove: [], conflicts: ['netfence-intents-to-server'] }]);
    expect(result.notices.get('shop/web')).toEqual(['shop/netfence-intents-to-server is a policy netfence does not manage: the generated policy of that name is not written']);
  });

  it('says what each namespace allows: audit and off by label or default, exempt namespaces noticed', async () => {
    const state = await stateOf([namespace('audited', { 'netfence.io/mode': 'audit' }), namespace('quiet', { 'netfence.io/mode': 'off' }), namespace('plain'), deployment('audited', 'web'), deployment('quiet', 'web'), deployment('plain', 'web'), deployment('kube-system', 'agent'), deployment('plain', 'api', [80])]);
    const intents = [calls('audited', 'web', 'api.plain'), calls('quiet', 'web', 'api.plain'), calls('kube-system', 'agent', 'api.plain'), calls('plain', 'web', 'api')];
    const result = plan(state, intents);
    expect(result.namespaces.map((ns) => [ns.namespace, ns.action])).toEqual([
      ['audited', 'audit'],
      ['kube-system', 'exempt'],
      ['plain', 'enforce'],
      ['quiet', 'off'],
    ]);
    expect(result.notices.get('kube-system/agent')).toEqual(['kube-system/netfence-intents-agent not written: namespace kube-system is exempt: netfence writes nothing there']);
    expect(plan(state, intents, { ...defaultConfig(), defaultMode: 'audit' }).namespaces.find((ns) => ns.namespace === 'plain')?.action).toBe('audit');
  });

  it('holds back a set it cannot prove (its policies in place are neither replaced nor deleted), and plans the others', async () => {
    // admin carries server's labels and more: policies for server select it too.
    const state = await stateOf([
      namespace('shop'),
      deployment('shop', 'web'),
      deployment('shop', 'server', [80]),
      deployment('shop', 'admin', [8080], { app: 'server', role: 'admin' }),
      policy('shop', 'netfence-intents-to-server', GENERATED),
      namespace('blog'),
      deployment('blog', 'web'),
      deployment('blog', 'db', [5432]),
    ]);
    const result = plan(state, [calls('shop', 'web', 'server', 'admin'), calls('blog', 'web', 'db')]);
    const held = result.sets.find((set) => set.intents.includes('shop/web'));
    expect(held?.failures.join('\n')).toContain('80/TCP that no intent declares');
    expect(result.sets.find((set) => set.intents.includes('blog/web'))?.failures).toEqual([]);
    expect(result.proof?.failures).toEqual([]);
    expect(summary(result)).toEqual([{ namespace: 'blog', action: 'enforce', create: ['netfence-intents-to-db', 'netfence-intents-web'], replace: [], remove: [], conflicts: [] }]);
  });
});
