import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Finding } from '../../src/guardrails/finding.js';
import { peerSplitFindings } from '../../src/guardrails/rules/peer-split.js';
import type { PolicyChange } from '../../src/guardrails/rules/change.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { auditCluster } from '../../src/guardrails/audit.js';
import { resolveEssentialServices } from '../../src/guardrails/resolve-essential-services.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';
import { stateOf } from '../support/webhook.js';

/**
 * `peer-split` as a table: policies as users write them, whether the rule fires, what it says and
 * the peers its fix holds.
 */

const ADMIN = { username: 'admin', groups: ['system:masters'] };

function policyYaml(spec: string, name = 'allow-backend'): string {
  const body = spec
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: team-a, labels: {team: a}}\nspec:\n${body}\n`;
}

function findingsFor(spec: string, operation: 'CREATE' | 'UPDATE' | 'DELETE' = 'CREATE', name?: string): Finding[] {
  const policy = decodeNetworkPolicy(parse(policyYaml(spec, name)));
  const change: PolicyChange = {
    kind: 'NetworkPolicy',
    operation,
    namespace: policy.namespace,
    name: policy.name,
    policy: operation === 'DELETE' ? undefined : policy,
    oldPolicy: operation === 'CREATE' ? undefined : policy,
    requester: ADMIN,
  };
  return peerSplitFindings(change);
}

/** fixPeers reads the peers of one rule of a finding's fix. */
function fixPeers(finding: Finding | undefined, field: 'ingress' | 'egress', index: number): unknown {
  const spec = (finding?.fix as { spec?: Record<string, Array<Record<string, unknown>>> } | undefined)?.spec;
  const rule = spec?.[field]?.[index];
  return rule?.[field === 'ingress' ? 'from' : 'to'];
}

const NS = (value: string) => ({ namespaceSelector: { matchLabels: { env: value } } });
const POD = (value: string) => ({ podSelector: { matchLabels: { app: value } } });
const BOTH = (env: string, app: string) => ({ namespaceSelector: { matchLabels: { env } }, podSelector: { matchLabels: { app } } });

describe('peer-split', () => {
  it('finds the seed example: namespaces env=production OR backend pods of the own namespace', () => {
    const findings = findingsFor(`
podSelector: {matchLabels: {app: api}}
policyTypes: [Ingress]
ingress:
- from:
  - namespaceSelector:
      matchLabels: {env: production}
  - podSelector:
      matchLabels: {app: backend}
  ports:
  - port: 8080
`);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({ rule: 'peer-split', severity: 'warn', object: 'team-a/allow-backend' });
    expect(finding?.summary).toBe('[peer-split] team-a/allow-backend ingress[0]: from[0] (namespaces) OR from[1] (pods); meant one peer with both?');
    expect(finding?.message).toContain('team-a/allow-backend ingress[0]');
    expect(finding?.message).toContain('as written it admits traffic from every pod in namespaces env=production (from[0]); or pods app=backend in team-a (from[1])');
    expect(finding?.message).toContain('would admit only pods app=backend in namespaces env=production (from[0] with from[1])');
    // The fix is the whole policy, ready to apply: metadata, labels, ports and types kept, the two peers one.
    expect(finding?.fix).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-backend', namespace: 'team-a', labels: { team: 'a' } },
      spec: {
        podSelector: { matchLabels: { app: 'api' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [BOTH('production', 'backend')], ports: [{ protocol: 'TCP', port: 8080 }] }],
      },
    });
  });

  const QUIET: Array<[string, string]> = [
    ['one peer with both selectors (AND)', `podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {env: production}}\n    podSelector: {matchLabels: {app: backend}}`],
    ['several peers, each with both selectors', `podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {env: a}}\n    podSelector: {matchLabels: {app: x}}\n  - namespaceSelector: {matchLabels: {env: b}}\n    podSelector: {matchLabels: {app: y}}`],
    ['namespaceSelector-only peers alone', `podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {env: a}}\n  - namespaceSelector: {matchLabels: {env: b}}`],
    ['podSelector-only peers alone', `podSelector: {}\ningress:\n- from:\n  - podSelector: {matchLabels: {app: x}}\n  - podSelector: {matchLabels: {app: y}}`],
    ['the own namespace (podSelector: {}) beside other namespaces', `podSelector: {}\ningress:\n- from:\n  - podSelector: {}\n  - namespaceSelector: {matchLabels: {env: a}}`],
    ['the two halves in separate rules (OR said on purpose)', `podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {env: a}}\n- from:\n  - podSelector: {matchLabels: {app: x}}`],
    ['a podSelector-only peer beside an ipBlock', `podSelector: {}\ningress:\n- from:\n  - podSelector: {matchLabels: {app: x}}\n  - ipBlock: {cidr: 10.0.0.0/8}`],
    ['egress rules of a policy that does not isolate egress', `podSelector: {}\npolicyTypes: [Ingress]\negress:\n- to:\n  - namespaceSelector: {matchLabels: {env: a}}\n  - podSelector: {matchLabels: {app: x}}`],
    ['a rule with no peers (every peer: allow-all says so)', `podSelector: {}\ningress:\n- ports: [{port: 80}]`],
  ];
  it.each(QUIET)('says nothing of %s', (_, spec) => {
    expect(findingsFor(spec)).toEqual([]);
  });

  it('says nothing on DELETE: nothing is left to mislead', () => {
    expect(findingsFor(`podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {env: a}}\n  - podSelector: {matchLabels: {app: x}}`, 'DELETE')).toEqual([]);
  });

  it('finds it on UPDATE too', () => {
    expect(findingsFor(`podSelector: {}\ningress:\n- from:\n  - namespaceSelector: {matchLabels: {env: a}}\n  - podSelector: {matchLabels: {app: x}}`, 'UPDATE')).toHaveLength(1);
  });

  interface JoinCase {
    readonly name: string;
    readonly from: readonly unknown[];
    readonly joined: readonly unknown[];
    readonly says?: string;
  }
  const JOINS: JoinCase[] = [
    { name: 'the pods half first', from: [POD('backend'), NS('production')], joined: [BOTH('production', 'backend')], says: 'from[1] with from[0]' },
    {
      name: 'two peers, each split by a stray "-": each pair joined, in place',
      from: [NS('a'), POD('x'), NS('b'), POD('y')],
      joined: [BOTH('a', 'x'), BOTH('b', 'y')],
      says: 'pods app=x in namespaces env=a (from[0] with from[1]); or pods app=y in namespaces env=b (from[2] with from[3])',
    },
    {
      name: 'namespaces listed, then pods: every namespace with every pod selector',
      from: [NS('a'), NS('b'), POD('x'), POD('y')],
      joined: [BOTH('a', 'x'), BOTH('a', 'y'), BOTH('b', 'x'), BOTH('b', 'y')],
    },
    { name: 'a half left over: every namespace with every pod selector', from: [NS('a'), POD('x'), POD('y')], joined: [BOTH('a', 'x'), BOTH('a', 'y')] },
    {
      name: 'an ipBlock between the halves stays as it is',
      from: [NS('a'), { ipBlock: { cidr: '10.0.0.0/8' } }, POD('x')],
      joined: [BOTH('a', 'x'), { ipBlock: { cidr: '10.0.0.0/8' } }],
    },
    {
      name: 'a whole peer stays as it is',
      from: [BOTH('c', 'z'), NS('a'), POD('x')],
      joined: [BOTH('c', 'z'), BOTH('a', 'x')],
    },
    {
      name: 'namespaceSelector: {}, pods of every namespace',
      from: [{ namespaceSelector: {} }, POD('x')],
      joined: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'x' } } }],
      says: 'as written it admits traffic from every pod in every namespace (from[0]); or pods app=x in team-a (from[1]). One peer with both selectors (AND) would admit only pods app=x in every namespace',
    },
    {
      name: 'a namespaceSelector with podSelector: {} (every pod of those namespaces, as without one)',
      from: [{ namespaceSelector: { matchLabels: { env: 'a' } }, podSelector: {} }, POD('x')],
      joined: [BOTH('a', 'x')],
    },
  ];
  it.each(JOINS)('joins $name', ({ from, joined, says }) => {
    const findings = findingsFor(`podSelector: {}\npolicyTypes: [Ingress]\ningress:\n- from: ${JSON.stringify(from)}`);
    expect(findings).toHaveLength(1);
    expect(fixPeers(findings[0], 'ingress', 0)).toEqual(joined);
    if (says !== undefined) expect(findings[0]?.message).toContain(says);
  });

  it('says "allows traffic to" for egress, and names the egress rule', () => {
    const [finding, ...rest] = findingsFor(`podSelector: {}\npolicyTypes: [Egress]\negress:\n- to: [{podSelector: {matchLabels: {app: db}}}]\n- to:\n  - namespaceSelector: {matchLabels: {env: production}}\n  - podSelector: {matchLabels: {app: db}}`);
    expect(rest).toEqual([]);
    expect(finding?.summary).toContain('egress[1]: to[0] (namespaces) OR to[1] (pods)');
    expect(finding?.message).toContain('as written it allows traffic to every pod in namespaces env=production (to[0]); or pods app=db in team-a (to[1])');
    expect(finding?.message).toContain('would allow only pods app=db in namespaces env=production');
    expect(fixPeers(finding, 'egress', 0)).toEqual([POD('db')]);
    expect(fixPeers(finding, 'egress', 1)).toEqual([{ namespaceSelector: { matchLabels: { env: 'production' } }, podSelector: { matchLabels: { app: 'db' } } }]);
  });

  it('reports each split rule, and each finding suggests the policy with all of them joined', () => {
    const findings = findingsFor(`
podSelector: {}
policyTypes: [Ingress, Egress]
ingress:
- from: [{namespaceSelector: {matchLabels: {env: a}}}, {podSelector: {matchLabels: {app: x}}}]
egress:
- to: [{namespaceSelector: {matchLabels: {env: b}}}, {podSelector: {matchLabels: {app: y}}}]
`);
    expect(findings.map((finding) => finding.summary.split(':')[0])).toEqual(['[peer-split] team-a/allow-backend ingress[0]', '[peer-split] team-a/allow-backend egress[0]']);
    expect(findings[0]?.fix).toEqual(findings[1]?.fix);
    expect(fixPeers(findings[0], 'ingress', 0)).toEqual([BOTH('a', 'x')]);
    expect(fixPeers(findings[0], 'egress', 0)).toEqual([BOTH('b', 'y')]);
  });

  it('keeps the kubectl warning on one line under 120 characters, however long the names', () => {
    const long = 'a-very-long-policy-name-that-goes-on-and-on-and-on-for-sixty-three';
    const findings = findingsFor(`podSelector: {}\ningress:\n- from: ${JSON.stringify([NS('a'), POD('x'), NS('b'), POD('y')])}`, 'CREATE', long);
    expect(findings[0]?.summary.length).toBeLessThan(120);
    expect(findings[0]?.summary).toMatch(/^\[peer-split\] team-a\/a-very-long/);
  });

  it('suggests a fix that peer-split itself finds nothing in', () => {
    const [finding] = findingsFor(`podSelector: {}\ningress:\n- from: ${JSON.stringify([NS('a'), NS('b'), POD('x'), { ipBlock: { cidr: '10.0.0.0/8' } }, POD('y')])}`);
    const fixed = decodeNetworkPolicy(finding?.fix);
    expect(peerSplitFindings({ kind: 'NetworkPolicy', operation: 'UPDATE', namespace: 'team-a', name: fixed.name, policy: fixed, oldPolicy: undefined, requester: ADMIN })).toEqual([]);
  });

  it('is reported by audit for a policy already in the cluster', () => {
    const state = stateOf(`apiVersion: v1
kind: Namespace
metadata: {name: team-a, labels: {netfence.io/baseline: default}}
---
${policyYaml(`podSelector: {matchLabels: {app: api}}\ningress:\n- from: ${JSON.stringify([NS('production'), POD('backend')])}`)}`);
    const config = defaultConfig();
    const findings = auditCluster({ state, config, essentials: resolveEssentialServices(state, config) }).filter((finding) => finding.rule === 'peer-split');
    expect(findings).toEqual([expect.objectContaining({ rule: 'peer-split', severity: 'warn', object: 'team-a/allow-backend' })]);
    expect(fixPeers(findings[0], 'ingress', 0)).toEqual([BOTH('production', 'backend')]);
  });
});
