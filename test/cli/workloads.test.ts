import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../support/cli.js';

/**
 * Workloads wherever pods are used, beyond simulate: check finds cluster DNS behind a Service whose
 * named targetPorts resolve against CoreDNS's Deployment, and audit's adoption preview names the
 * pod templates it would isolate. The example GitOps repository passes both as it is.
 */

const GITOPS = join(import.meta.dirname, '..', '..', 'examples', 'gitops');

/** A cluster whose DNS answers on 5353: the Service maps 53 to the Deployment's ports named dns and dns-tcp. */
const DNS_ON_5353 = `apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      containers:
      - name: coredns
        ports:
        - {containerPort: 5353, name: dns, protocol: UDP}
        - {containerPort: 5353, name: dns-tcp, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec:
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP, targetPort: dns}
  - {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web}]}}
`;

const defaultDeny = (dnsPort: number): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: ${dnsPort}, protocol: UDP}, {port: ${dnsPort}, protocol: TCP}]
`;

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-workloads-cli-'));
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('workloads in check and audit', () => {
  it('check locates cluster DNS through the named ports of its Deployment\'s pod template', async () => {
    const state = files({ 'cluster.yaml': DNS_ON_5353 });
    const manifests = files({ 'deny-53.yaml': defaultDeny(53), 'deny-5353.yaml': defaultDeny(5353) });
    const on53 = await run('check', '--state', state, join(manifests, 'deny-53.yaml'), '--json');
    expect(on53.code).toBe(1);
    const denied: { findings: Array<{ rule: string; severity: string }> } = JSON.parse(on53.out);
    expect(denied.findings.map((finding) => `${finding.severity} ${finding.rule}`)).toContain('deny essential-egress');
    const on5353 = await run('check', '--state', state, join(manifests, 'deny-5353.yaml'), '--json');
    expect(JSON.parse(on5353.out)).toMatchObject({ denied: false, findings: [] });
  });

  it('check applies workloads and Services among the manifests, so later documents see their pods', async () => {
    // The same cluster, but as a pull request's manifests on top of an empty state: DNS on 5353 is
    // known only once the CoreDNS Deployment and the kube-dns Service of the first file are applied.
    const state = files({ 'empty.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n' });
    const manifests = files({ '1-cluster.yaml': DNS_ON_5353, '2-deny-53.yaml': defaultDeny(53), '3-deny-5353.yaml': defaultDeny(5353) });
    const on53 = JSON.parse((await run('check', '--state', state, join(manifests, '1-cluster.yaml'), join(manifests, '2-deny-53.yaml'), '--json')).out) as { findings: Array<{ rule: string }> };
    expect(on53.findings.map((finding) => finding.rule)).toContain('essential-egress');
    const on5353 = await run('check', '--state', state, join(manifests, '1-cluster.yaml'), join(manifests, '3-deny-5353.yaml'));
    expect(on5353.out).toContain('3 object(s) applied to the state without a judgement');
    expect(on5353.out).toContain('NetworkPolicy shop/default-deny (CREATE): ok');
  });

  it('audit names the pod templates that adopting a namespace would isolate', async () => {
    const { code, out } = await run('audit', '--state', files({ 'cluster.yaml': DNS_ON_5353 }), '--json');
    expect(code).toBe(1); // shop has no default-deny
    const report: { findings: Array<{ rule: string; adoption?: { isolated: Array<{ pod: string; directions: string[] }> } }> } = JSON.parse(out);
    const notAdopted = report.findings.find((finding) => finding.rule === 'namespace-not-adopted');
    expect(notAdopted?.adoption?.isolated).toEqual([{ pod: 'shop/Deployment/web', directions: ['Ingress', 'Egress'] }]);
  });

  it('passes the example GitOps repository as it is: its policies admitted, no broken guardrail', async () => {
    const checked = await run('check', '--state', GITOPS, join(GITOPS, 'shop', 'network-policies.yaml'), '--json');
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.out)).toMatchObject({ denied: false, findings: [] });
    const audited = await run('audit', '--state', GITOPS, '--json');
    expect(audited.code).toBe(0);
    expect(JSON.parse(audited.out)).toEqual({ findings: [] });
  });
});
