import type { Finding } from '../guardrails/finding.js';
import type { Namespace } from '../model/namespace.js';
import type { KubeClient } from './kube-client.js';
import { metadataString } from './raw-object.js';

const GROUP_VERSION = 'wgpolicyk8s.io/v1alpha2';
const REPORT_NAME = 'netfence';

/** reportsInstalled says whether the PolicyReport CRD is served. */
async function reportsInstalled(client: KubeClient): Promise<boolean> {
  const response = await client.request('GET', `/apis/${GROUP_VERSION}`).catch(() => undefined);
  return response?.status === 200;
}

function result(finding: Finding, now: number): Record<string, unknown> {
  const [namespace, name] = finding.object.includes('/') ? finding.object.split('/') : [finding.object, undefined];
  return {
    source: 'netfence',
    policy: finding.rule,
    rule: finding.rule,
    category: 'NetworkPolicy guardrails',
    result: finding.severity === 'deny' ? 'fail' : 'warn',
    severity: finding.severity === 'deny' ? 'high' : 'medium',
    message: finding.message,
    timestamp: { seconds: Math.floor(now / 1000), nanos: 0 },
    resources:
      name === undefined
        ? [{ apiVersion: 'v1', kind: 'Namespace', name: namespace }]
        : [{ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace, name }],
  };
}

/**
 * writePolicyReports writes one PolicyReport per audited namespace (named `netfence`), so that
 * report UIs made for Kyverno and the Policy Reports working group show netfence's findings.
 * Returns how many were written; 0 when the CRD is not installed.
 */
export async function writePolicyReports(client: KubeClient, namespaces: readonly Namespace[], findings: readonly Finding[], now: number = Date.now()): Promise<number> {
  if (!(await reportsInstalled(client))) return 0;
  let written = 0;
  for (const namespace of namespaces) {
    const own = findings.filter((finding) => (finding.object.split('/')[0] ?? '') === namespace.name);
    const fail = own.filter((finding) => finding.severity === 'deny').length;
    const report = {
      apiVersion: GROUP_VERSION,
      kind: 'PolicyReport',
      metadata: { name: REPORT_NAME, namespace: namespace.name, labels: { 'app.kubernetes.io/managed-by': 'netfence' } },
      summary: { pass: own.length === 0 ? 1 : 0, fail, warn: own.length - fail, error: 0, skip: 0 },
      results: own.map((finding) => result(finding, now)),
    };
    const path = `/apis/${GROUP_VERSION}/namespaces/${encodeURIComponent(namespace.name)}/policyreports`;
    const existing = await client.request('GET', `${path}/${REPORT_NAME}`);
    const response =
      existing.status === 200
        ? await client.request('PUT', `${path}/${REPORT_NAME}`, { ...report, metadata: { ...report.metadata, resourceVersion: metadataString(existing.body, 'resourceVersion') ?? '' } })
        : await client.request('POST', path, report);
    if (response.status < 300) written++;
  }
  return written;
}
