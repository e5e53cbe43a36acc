import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Workload } from '../../src/model/workload.js';
import { decodeObject } from '../../src/k8s/object.js';

/**
 * Decoding workloads: each kind as `kubectl get -o yaml` prints it (fixtures/workloads.yaml), the
 * pods its template makes, and one-line errors naming the field for what the API server refuses.
 */

const LISTED: Array<Record<string, unknown>> = parse(readFileSync(join(import.meta.dirname, 'fixtures', 'workloads.yaml'), 'utf8')).items;

function decodeWorkload(value: unknown): Workload {
  const decoded = decodeObject(value);
  if (decoded.kind !== 'Workload') throw new Error(`decoded a ${decoded.kind}`);
  return decoded.workload;
}

function listed(kind: string): Record<string, unknown> {
  const found = LISTED.find((item) => item['kind'] === kind);
  if (found === undefined) throw new Error(`no ${kind} in the fixture`);
  return found;
}

const ports = (workload: Workload): string[] => workload.containerPorts.map((port) => `${port.name ?? '-'} ${port.port}/${port.protocol}`);

describe('decodeObject on workloads', () => {
  it.each([
    ['Deployment', 'web', { app: 'web', tier: 'frontend' }, ['http 8080/TCP'], undefined, false],
    ['StatefulSet', 'db', { app: 'db' }, ['postgres 5432/TCP'], undefined, false],
    ['DaemonSet', 'log-shipper', { app: 'log-shipper' }, ['http-metrics 2020/TCP', '- 24224/UDP'], undefined, false],
    ['ReplicaSet', 'web-6f7d9c8b5', { app: 'web', 'pod-template-hash': '6f7d9c8b5', tier: 'frontend' }, ['http 8080/TCP'], 'Deployment web', false],
    [
      'Job',
      'nightly-report-29411460',
      {
        app: 'report',
        'batch.kubernetes.io/controller-uid': '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        'batch.kubernetes.io/job-name': 'nightly-report-29411460',
        'controller-uid': '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
        'job-name': 'nightly-report-29411460',
      },
      [],
      'CronJob nightly-report',
      false,
    ],
    ['CronJob', 'nightly-report', { app: 'report' }, [], undefined, false],
    ['ReplicationController', 'legacy', { app: 'legacy' }, ['http 8000/TCP'], undefined, false],
  ])('reads a %s as kubectl prints it: namespace, template labels, ports, controller', (kind, name, labels, expectedPorts, controller, retired) => {
    const workload = decodeWorkload(listed(kind));
    expect(workload).toMatchObject({ kind, name, namespace: 'shop', retired });
    expect(workload.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.fromEntries(workload.labels)).toEqual(labels);
    expect(ports(workload)).toEqual(expectedPorts);
    expect(workload.controller === undefined ? undefined : `${workload.controller.kind} ${workload.controller.name}`).toBe(controller);
  });

  it('puts a template in the workload namespace, whatever the template says, and `default` when the workload names none', () => {
    const deployment = structuredClone(listed('Deployment'));
    Object.assign(deployment, { metadata: { name: 'web' } });
    Object.assign((deployment['spec'] as { template: { metadata: object } }).template.metadata, { namespace: 'elsewhere' });
    expect(decodeWorkload(deployment).namespace).toBe('default');
  });

  it('gives a Job written by hand the job-name labels the API server adds (not with a manual selector)', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'migrate' } }, spec: { containers: [] } } } };
    expect(Object.fromEntries(decodeWorkload(job).labels)).toEqual({ app: 'migrate', 'job-name': 'migrate', 'batch.kubernetes.io/job-name': 'migrate' });
    const manual = { ...job, spec: { ...job.spec, manualSelector: true, selector: { matchLabels: { app: 'migrate' } } } };
    expect(Object.fromEntries(decodeWorkload(manual).labels)).toEqual({ app: 'migrate' });
  });

  it('counts the named ports of sidecars (init containers with restartPolicy Always), not those of other init containers', () => {
    const deployment = structuredClone(listed('Deployment'));
    const spec = (deployment['spec'] as { template: { spec: Record<string, unknown> } }).template.spec;
    spec['initContainers'] = [
      { name: 'migrate', image: 'x', ports: [{ containerPort: 7000, name: 'setup' }] },
      { name: 'proxy', image: 'envoy', restartPolicy: 'Always', ports: [{ containerPort: 15001, name: 'proxy' }] },
    ];
    expect(ports(decodeWorkload(deployment))).toEqual(['http 8080/TCP', 'proxy 15001/TCP']);
  });

  it.each([
    [{ replicas: 0 }, { kind: 'Deployment', name: 'web' }, true],
    [{ replicas: 0 }, undefined, false],
    [{ replicas: 2 }, { kind: 'Deployment', name: 'web' }, false],
  ])('retires a ReplicaSet only when its controller scaled it to zero (%j, owner %j)', (scale, owner, retired) => {
    const replicaSet = structuredClone(listed('ReplicaSet'));
    Object.assign(replicaSet['spec'] as object, scale);
    if (owner === undefined) delete (replicaSet['metadata'] as Record<string, unknown>)['ownerReferences'];
    expect(decodeWorkload(replicaSet).retired).toBe(retired);
  });

  it.each(['Complete', 'Failed'])('retires a Job whose %s condition is true', (type) => {
    const job = structuredClone(listed('Job'));
    job['status'] = { conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type, status: 'True' }] };
    expect(decodeWorkload(job).retired).toBe(true);
  });

  it('skips a kind of the same name in another API group, as another kind', () => {
    const kruise = { ...listed('StatefulSet'), apiVersion: 'apps.kruise.io/v1beta1' };
    expect(decodeObject(kruise)).toEqual({ kind: 'Other', apiVersion: 'apps.kruise.io/v1beta1', otherKind: 'StatefulSet' });
    expect(decodeObject({ apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkPolicy', metadata: { name: 'x' } })).toMatchObject({ kind: 'Other' });
  });

  const deployment = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec });
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', ports: [{ containerPort: 8080, name: 'http' }] }] } };

  it.each([
    [{ ...listed('Deployment'), apiVersion: 'apps/v1beta2' }, 'apiVersion: must be apps/v1 for a Deployment (got "apps/v1beta2")'],
    [{ ...listed('CronJob'), apiVersion: 'batch/v1beta1' }, 'apiVersion: must be batch/v1 for a CronJob (got "batch/v1beta1")'],
    [{ ...listed('Deployment'), apiVersion: 'v1' }, 'apiVersion: must be apps/v1 for a Deployment (got "v1")'],
    [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, 'spec: is required'],
    [deployment({ template }), 'spec.selector: is required'],
    [deployment({ selector: {}, template }), 'spec.selector: must not be empty (an empty selector is invalid for a Deployment)'],
    [deployment({ selector: { matchLabels: { app: 'web' } } }), 'spec.template: is required'],
    [deployment({ selector: { matchLabels: { app: 'api' } }, template }), 'spec.template.metadata.labels: selector does not match template labels (app=web against app=api)'],
    [deployment({ selector: { matchLabels: { app: 'web' } }, template: { ...template, metadata: { labels: { app: ['web'] } } } }), 'spec.template.metadata.labels.app: must be a string (got a list)'],
    [
      deployment({ selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { containers: [{ name: 'web', ports: [{ containerPort: 80, name: 'HTTP' }] }] } } }),
      'spec.template.spec.containers[0].ports[0].name: "HTTP" is not a valid port name',
    ],
    [
      deployment({ selector: { matchLabels: { app: 'web' } }, template: { ...template, spec: { initContainers: [{ name: 'proxy', ports: [{ containerPort: 70000 }] }] } } }),
      'spec.template.spec.initContainers[0].ports[0].containerPort: must be between 1 and 65535 (got 70000)',
    ],
    [deployment({ selector: { matchLabels: { app: 'web' } }, replicas: -1, template }), 'spec.replicas: must be between 0 and 2147483647 (got -1)'],
    [
      { ...listed('CronJob'), spec: { schedule: '* * * * *', jobTemplate: { spec: {} } } },
      'spec.jobTemplate.spec.template: is required',
    ],
    [
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { manualSelector: true, template } },
      'spec.selector: is required when manualSelector is true',
    ],
    [
      { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { selector: { app: 'other' }, template } },
      'spec.template.metadata.labels: selector does not match template labels (app=web against app=other)',
    ],
    [
      { ...listed('ReplicaSet'), metadata: { name: 'rs', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }] } },
      'metadata.ownerReferences[0].uid: is required',
    ],
    [
      {
        ...listed('ReplicaSet'),
        metadata: {
          name: 'rs',
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a', uid: '1', controller: true },
            { apiVersion: 'apps/v1', kind: 'Deployment', name: 'b', uid: '2', controller: true },
          ],
        },
      },
      'metadata.ownerReferences[1].controller: only one owner reference may be the controller (Deployment a is already)',
    ],
  ])('refuses what the API server refuses, naming the field (%#)', (object, message) => {
    expect(() => decodeObject(object)).toThrow(message);
  });
});
