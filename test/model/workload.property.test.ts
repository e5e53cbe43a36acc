import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsOf } from '../../src/model/labels.js';
import type { OwnerReference, Pod } from '../../src/model/pod.js';
import { podsOf } from '../../src/model/workload.js';
import type { Workload } from '../../src/model/workload.js';
import { WORKLOAD_API_VERSIONS, WORKLOAD_KINDS } from '../../src/model/workload-kind.js';
import type { WorkloadKind } from '../../src/model/workload-kind.js';

/**
 * podsOf against a brute-force oracle: on random states of workloads and pods, whose owner
 * references point anywhere (at workloads of the state, at missing ones, at other API groups, with
 * right or wrong uids, in cycles), the pods are exactly the real pods, each told the outermost
 * workload over it, plus one pod template for each workload that nothing in the state controls,
 * that has no real pod under it at any depth, and that is not retired.
 */

const NAMESPACES = ['a', 'b'];
const NAMES = ['web', 'web-h1', 'cron', 'cron-17', 'db'];
const API_VERSIONS = ['apps/v1', 'batch/v1', 'v1', 'apps.kruise.io/v1beta1'];
const UIDS = ['u1', 'u2'];

const reference: fc.Arbitrary<OwnerReference> = fc.record({
  apiVersion: fc.constantFrom(...API_VERSIONS),
  kind: fc.constantFrom<string>(...WORKLOAD_KINDS, 'Node'),
  name: fc.constantFrom(...NAMES, 'web-h2', 'cron-x'),
  uid: fc.constantFrom(...UIDS),
});

const workload: fc.Arbitrary<Workload> = fc.record({
  kind: fc.constantFrom(...WORKLOAD_KINDS),
  namespace: fc.constantFrom(...NAMESPACES),
  name: fc.constantFrom(...NAMES),
  uid: fc.option(fc.constantFrom(...UIDS), { nil: undefined }),
  controller: fc.option(reference, { nil: undefined }),
  retired: fc.boolean(),
  labels: fc.constant(labelsOf([['app', 'x']])),
  containerPorts: fc.constant([]),
});

const pod: fc.Arbitrary<Pod> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    name: fc.string({ minLength: 1, maxLength: 6 }),
    hash: fc.constantFrom('', 'h1', 'h2'),
    controller: fc.option(reference, { nil: undefined }),
  })
  .map(({ namespace, name, hash, controller }) => ({
    namespace,
    name,
    labels: labelsOf(hash === '' ? [] : [['pod-template-hash', hash]]),
    ips: [],
    containerPorts: [],
    ...(controller === undefined ? {} : { controller }),
  }));

const state = fc.record({
  workloads: fc.uniqueArray(workload, { maxLength: 10, selector: (w) => `${w.namespace}/${w.kind}/${w.name}` }),
  pods: fc.array(pod, { maxLength: 6 }),
});

/** The oracle: every relation found by scanning every workload, no index, no shortcut. */
function group(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

function names(ref: OwnerReference, namespace: string, candidate: Workload): boolean {
  return (
    candidate.namespace === namespace &&
    ref.kind === candidate.kind &&
    ref.name === candidate.name &&
    group(ref.apiVersion) === group(WORKLOAD_API_VERSIONS[candidate.kind]) &&
    (candidate.uid === undefined || candidate.uid === ref.uid)
  );
}

function parent(workloads: readonly Workload[], child: Workload): Workload | undefined {
  const ref = child.controller;
  return ref === undefined ? undefined : workloads.find((candidate) => names(ref, child.namespace, candidate));
}

function podParent(workloads: readonly Workload[], real: Pod): Workload | undefined {
  const ref = real.controller;
  if (ref === undefined) return undefined;
  const direct = workloads.find((candidate) => names(ref, real.namespace, candidate));
  if (direct !== undefined) return direct;
  const inKind = (kind: WorkloadKind): Workload[] => workloads.filter((w) => w.namespace === real.namespace && w.kind === kind);
  const hash = real.labels.get('pod-template-hash');
  if (ref.kind === 'ReplicaSet' && group(ref.apiVersion) === 'apps' && hash !== undefined && hash !== '') {
    return inKind('Deployment').find((d) => ref.name === `${d.name}-${hash}`);
  }
  if (ref.kind === 'Job' && group(ref.apiVersion) === 'batch') {
    return inKind('CronJob').find((c) => ref.name.startsWith(`${c.name}-`) && /^\d+$/.test(ref.name.slice(c.name.length + 1)));
  }
  return undefined;
}

function ancestors(workloads: readonly Workload[], start: Workload): Workload[] {
  const chain = [start];
  for (let next = parent(workloads, start); next !== undefined && !chain.includes(next); next = parent(workloads, next)) chain.push(next);
  return chain;
}

describe('podsOf', () => {
  it('keeps every real pod and adds exactly the templates of workloads whose pods are not there', () => {
    fc.assert(
      fc.property(state, ({ workloads, pods }) => {
        const result = podsOf(pods, workloads);
        const covered = new Set(pods.flatMap((real) => {
          const owner = podParent(workloads, real);
          return owner === undefined ? [] : ancestors(workloads, owner);
        }));
        const expectedTemplates = workloads
          .filter((w) => !w.retired && parent(workloads, w) === undefined && !covered.has(w))
          .map((w) => `${w.namespace}/${w.kind}/${w.name}`);
        const real = result.filter((p) => p.workload?.template !== true);
        const templates = result.filter((p) => p.workload?.template === true);
        expect(real.map((p) => `${p.namespace}/${p.name}`)).toEqual(pods.map((p) => `${p.namespace}/${p.name}`));
        expect(templates.map((p) => `${p.namespace}/${p.name}`)).toEqual(expectedTemplates);
        for (const template of templates) expect(template.ips).toEqual([]);
        real.forEach((p, i) => {
          const owner = podParent(workloads, pods[i] as Pod);
          const chain = owner === undefined ? [] : ancestors(workloads, owner);
          const top = chain.at(-1);
          // In a cycle of owner references (no real cluster has one) no workload is the outermost.
          if (top !== undefined && parent(workloads, top) !== undefined) return;
          expect(p.workload === undefined ? undefined : `${p.workload.kind}/${p.workload.name}`).toBe(top === undefined ? undefined : `${top.kind}/${top.name}`);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('counts each pod of a chain once, however many workloads of the chain the state holds', () => {
    // A Deployment, its ReplicaSets and their pods, any subset of them: one template, or the pods.
    const deployment: Workload = { kind: 'Deployment', namespace: 'a', name: 'web', uid: 'd', controller: undefined, retired: false, labels: labelsOf([]), containerPorts: [] };
    const replicaSet = (hash: string, replicas: number): Workload => ({
      kind: 'ReplicaSet',
      namespace: 'a',
      name: `web-${hash}`,
      uid: `rs-${hash}`,
      controller: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd' },
      retired: replicas === 0,
      labels: labelsOf([]),
      containerPorts: [],
    });
    const podOf = (hash: string, n: number): Pod => ({
      namespace: 'a',
      name: `web-${hash}-${n}`,
      labels: labelsOf([['pod-template-hash', hash]]),
      ips: [],
      containerPorts: [],
      controller: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `web-${hash}`, uid: `rs-${hash}` },
    });
    fc.assert(
      fc.property(fc.boolean(), fc.subarray([replicaSet('old', 0), replicaSet('new', 2)]), fc.subarray([podOf('new', 1), podOf('new', 2)]), (withDeployment, replicaSets, pods) => {
        const result = podsOf(pods, withDeployment ? [deployment, ...replicaSets] : replicaSets);
        const templates = result.filter((p) => p.workload?.template === true).map((p) => p.name);
        if (pods.length > 0) expect(templates).toEqual([]);
        else if (withDeployment) expect(templates).toEqual(['Deployment/web']);
        else expect(templates).toEqual(replicaSets.some((rs) => rs.name === 'web-new') ? ['ReplicaSet/web-new'] : []);
      }),
    );
  });
});
