import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { buildReportModel } from '../../src/report/report-model.js';
import type { ReportModel } from '../../src/report/report-model.js';
import { loadState } from '../../src/state/load-state.js';

/** The report marks workloads whose pods have `hostNetwork: true`, and only those. */

const STATE = `apiVersion: v1
kind: Pod
metadata: {name: node-exporter-x7k2p, namespace: monitoring, labels: {app: node-exporter}}
spec: {hostNetwork: true, containers: [{name: exporter}]}
status: {podIP: 192.168.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: prometheus-0, namespace: monitoring, labels: {app: prometheus}}
spec: {containers: [{name: prometheus}]}
status: {podIP: 10.244.0.9}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: monitoring}
spec:
  selector: {matchLabels: {app: agent}}
  template: {metadata: {labels: {app: agent}}, spec: {hostNetwork: true, containers: [{name: agent}]}}
`;

async function modelOf(path: string): Promise<ReportModel> {
  const { state } = await loadState(path);
  return buildReportModel({ state, config: defaultConfig(), source: path, generatedAt: '2026-01-01T00:00:00.000Z' });
}

describe('report model and hostNetwork', () => {
  it('counts the host-network pods of each workload, a template included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-report-host-network-'));
    writeFileSync(join(dir, 'state.yaml'), STATE);
    const model = await modelOf(dir);
    const marks = Object.fromEntries(model.workloads.map((workload) => [`${workload.kind}/${workload.name}`, workload.hostNetwork]));
    expect(marks).toEqual({ 'Deployment/agent': 1, 'Pod/node-exporter-x7k2p': 1, 'Pod/prometheus-0': undefined });
    expect(model.workloads.find((workload) => workload.name === 'prometheus-0')).not.toHaveProperty('hostNetwork');
  });

  it('adds nothing for ordinary pods (examples/cluster)', async () => {
    const model = await modelOf(join(import.meta.dirname, '..', '..', 'examples', 'cluster'));
    expect(model.workloads.length).toBeGreaterThan(0);
    expect(JSON.stringify(model)).not.toContain('hostNetwork');
  });
});
