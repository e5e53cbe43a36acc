import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/model/cluster-state.js';
import { StateError, loadState } from '../../src/state/load-state.js';

/**
 * Workloads in a state: a GitOps repository's Deployments stand for their pods, and a dump of a live
 * cluster (`kubectl get all -o yaml`: the pods and the workloads that made them) counts each pod once.
 */

const GITOPS = join(import.meta.dirname, '..', '..', 'examples', 'gitops');
const WORKLOADS = join(import.meta.dirname, '..', 'k8s', 'fixtures', 'workloads.yaml');
const PODS = join(import.meta.dirname, 'fixtures', 'get-all-pods.yaml');

function stateDir(files: Record<string, string>, copies: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-workloads-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  for (const [name, source] of Object.entries(copies)) copyFileSync(source, join(dir, name));
  return dir;
}

const names = (state: ClusterState): string[] => state.pods().map((pod) => `${pod.namespace}/${pod.name}`);

const deployment = (name: string, extra = ''): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop${extra}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec: {containers: [{name: main, ports: [{containerPort: 8080, name: http}]}]}
`;

const replicaSet = (deploymentName: string, hash: string, replicas: number, owned: boolean): string => `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: ${deploymentName}-${hash}
  namespace: shop
  ${owned ? `ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: ${deploymentName}, uid: u-${deploymentName}, controller: true}]` : ''}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${deploymentName}, pod-template-hash: "${hash}"}}
  template:
    metadata: {labels: {app: ${deploymentName}, pod-template-hash: "${hash}"}}
    spec: {containers: [{name: main}]}
`;

const pod = (name: string, labels: string, owner: string): string => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: shop
  labels: {${labels}}
  ownerReferences: [{${owner}, controller: true}]
status: {podIP: 10.244.0.9}
`;

describe('workloads in a state', () => {
  it('reads a GitOps repository of workloads as the pods they make, one pod template each, named ns/Kind/name', async () => {
    const { state, notices } = await loadState(GITOPS);
    expect(notices).toEqual([]);
    expect(names(state)).toEqual(['kube-system/Deployment/coredns', 'shop/CronJob/nightly-report', 'shop/Deployment/api', 'shop/Deployment/web', 'shop/StatefulSet/db']);
    const api = state.pod('shop', 'Deployment/api');
    expect(api).toMatchObject({ ips: [], workload: { kind: 'Deployment', name: 'api', template: true } });
    expect(api?.containerPorts.map((port) => `${port.name ?? ''}=${port.port}`)).toEqual(['http=8081', 'metrics=9100']);
    expect(Object.fromEntries(api?.labels ?? [])).toEqual({ app: 'api', tier: 'backend' });
  });

  it('counts each pod of `kubectl get all -o yaml` once: the real pods are kept, no workload adds a template', async () => {
    const { state } = await loadState(stateDir({}, { 'workloads.yaml': WORKLOADS, 'pods.yaml': PODS }));
    expect(names(state)).toEqual([
      'shop/db-0',
      'shop/legacy-x7k2p',
      'shop/log-shipper-4xk2p',
      'shop/log-shipper-9zt7q',
      'shop/nightly-report-29411460-7sqlf',
      'shop/web-6f7d9c8b5-2kq9x',
      'shop/web-6f7d9c8b5-8hd4m',
      'shop/web-6f7d9c8b5-xv7pn',
    ]);
    const workloadOf = Object.fromEntries(state.pods().map((p) => [p.name, p.workload === undefined ? '' : `${p.workload.kind}/${p.workload.name}`]));
    expect(workloadOf).toMatchObject({
      'web-6f7d9c8b5-2kq9x': 'Deployment/web',
      'db-0': 'StatefulSet/db',
      'log-shipper-4xk2p': 'DaemonSet/log-shipper',
      'nightly-report-29411460-7sqlf': 'CronJob/nightly-report',
      'legacy-x7k2p': 'ReplicationController/legacy',
    });
  });

  it('gives the workloads alone one template per chain: the Deployment for its ReplicaSet, the CronJob for its Job', async () => {
    const { state } = await loadState(stateDir({}, { 'workloads.yaml': WORKLOADS }));
    expect(names(state)).toEqual(['shop/CronJob/nightly-report', 'shop/DaemonSet/log-shipper', 'shop/Deployment/web', 'shop/ReplicationController/legacy', 'shop/StatefulSet/db']);
  });

  it('ties pods to their Deployment or CronJob when the ReplicaSet or Job between them is not in the state (kubectl get pods,deploy)', async () => {
    const { state } = await loadState(
      stateDir({
        'deploy.yaml': deployment('web'),
        'cron.yaml': `apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate: {spec: {template: {metadata: {labels: {app: backup}}, spec: {containers: [{name: main}]}}}}
`,
        'pods.yaml': [
          pod('web-6f7d9c8b5-2kq9x', 'app: web, pod-template-hash: "6f7d9c8b5"', 'apiVersion: apps/v1, kind: ReplicaSet, name: web-6f7d9c8b5, uid: u1'),
          pod('backup-29411460-x2x9k', 'app: backup', 'apiVersion: batch/v1, kind: Job, name: backup-29411460, uid: u2'),
        ].join('---\n'),
      }),
    );
    expect(names(state)).toEqual(['shop/backup-29411460-x2x9k', 'shop/web-6f7d9c8b5-2kq9x']);
  });

  it('keeps a template for a workload whose pods are not in the state, beside the real pods of another', async () => {
    const { state } = await loadState(
      stateDir({
        'deploy.yaml': [deployment('web'), deployment('api')].join('---\n'),
        'pods.yaml': pod('web-6f7d9c8b5-2kq9x', 'app: web, pod-template-hash: "6f7d9c8b5"', 'apiVersion: apps/v1, kind: ReplicaSet, name: web-6f7d9c8b5, uid: u1'),
      }),
    );
    expect(names(state)).toEqual(['shop/Deployment/api', 'shop/web-6f7d9c8b5-2kq9x']);
  });

  it('drops the old revisions a Deployment scaled to zero when the Deployment is not in the state, and keeps the live one', async () => {
    const { state } = await loadState(stateDir({ 'rs.yaml': [replicaSet('web', 'aaaa', 0, true), replicaSet('web', 'bbbb', 3, true)].join('---\n') }));
    expect(names(state)).toEqual(['shop/ReplicaSet/web-bbbb']);
  });

  it('does not tie a pod to a workload of the same name with another uid (the workload was recreated)', async () => {
    const { state } = await loadState(
      stateDir({
        'sts.yaml': `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop, uid: new-uid}
spec:
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: main}]}}
`,
        'pod.yaml': pod('db-0', 'app: db', 'apiVersion: apps/v1, kind: StatefulSet, name: db, uid: old-uid'),
      }),
    );
    expect(names(state)).toEqual(['shop/StatefulSet/db', 'shop/db-0']);
  });

  it('refuses the same workload twice, and names file, object and field for a bad one', async () => {
    await expect(loadState(stateDir({ 'a.yaml': deployment('web'), 'b.yaml': deployment('web') }))).rejects.toThrow(/b\.yaml:1 \(document 1\) Deployment shop\/web: duplicate Deployment shop\/web \(first defined at .*a\.yaml:1/);
    const bad = deployment('web').replace('{matchLabels: {app: web}}', '{matchLabels: {app: api}}');
    const error = await loadState(stateDir({ 'bad.yaml': bad })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StateError);
    expect(String(error)).toMatch(/bad\.yaml:1 \(document 1\) Deployment shop\/web: spec\.template\.metadata\.labels: selector does not match template labels \(app=web against app=api\)/);
  });
});
