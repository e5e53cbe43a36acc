import { describe, expect, it } from 'vitest';
import { podsOf } from '../../src/model/workload.js';
import { decodeObject } from '../../src/k8s/object.js';

/** `spec.hostNetwork` of a Pod and of a workload's pod template, as the API server returns them. */

const pod = (spec: Record<string, unknown>): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c' }], ...spec } });

const deployment = (spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'agent', namespace: 'ns' },
  spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'c' }], ...spec } } },
});

const cronJob = (spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'probe', namespace: 'ns' },
  spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c' }], restartPolicy: 'Never', ...spec } } } } },
});

describe('hostNetwork', () => {
  it.each([
    [{ hostNetwork: true }, true],
    [{ hostNetwork: false }, false],
    [{}, false],
  ])('decodes a Pod with %j (hostNetwork: %s)', (spec, expected) => {
    const object = decodeObject(pod(spec));
    if (object.kind !== 'Pod') throw new Error(`decoded a ${object.kind}`);
    expect(object.pod.hostNetwork === true).toBe(expected);
    // An ordinary pod carries no hostNetwork field at all, so it reads as before.
    expect('hostNetwork' in object.pod).toBe(expected);
  });

  it.each([
    ['Deployment', deployment],
    ['CronJob', cronJob],
  ])("carries a %s template's hostNetwork to the pod that stands for its pods", (_kind, make) => {
    for (const [spec, expected] of [[{ hostNetwork: true }, true], [{}, false]] as const) {
      const object = decodeObject(make(spec));
      if (object.kind !== 'Workload') throw new Error(`decoded a ${object.kind}`);
      expect(object.workload.hostNetwork === true).toBe(expected);
      const [template] = podsOf([], [object.workload]);
      expect(template?.workload?.template).toBe(true);
      expect(template?.hostNetwork === true).toBe(expected);
      expect(template !== undefined && 'hostNetwork' in template).toBe(expected);
    }
  });

  it('rejects a hostNetwork that is no boolean, naming the field', () => {
    expect(() => decodeObject(pod({ hostNetwork: 'true' }))).toThrow('spec.hostNetwork: must be true or false (got "true")');
    expect(() => decodeObject(deployment({ hostNetwork: 1 }))).toThrow('spec.template.spec.hostNetwork: must be true or false');
  });
});
