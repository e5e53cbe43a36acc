import { describe, expect, it } from 'vitest';
import { decodeObject } from '../../src/k8s/object.js';

/** Decoding the other kinds a state holds: Namespaces, Pods and Services. */

describe('decodeObject', () => {
  it('gives a Namespace its automatic kubernetes.io/metadata.name label, whatever the manifest says', () => {
    const decoded = decodeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'spoofed', tenant: 'a' } } });
    expect(decoded.kind === 'Namespace' && Object.fromEntries(decoded.namespace.labels)).toEqual({ 'kubernetes.io/metadata.name': 'team-a', tenant: 'a' });
  });

  it('reads a Pod: podIPs over podIP, container ports with TCP default', () => {
    const decoded = decodeObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'a', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 53, protocol: 'UDP' }] }] },
      status: { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }] },
    });
    if (decoded.kind !== 'Pod') throw new Error(`decoded a ${decoded.kind}`);
    expect(decoded.pod.ips.map((ip) => ip.family)).toEqual([4, 6]);
    expect(decoded.pod.containerPorts).toEqual([
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: undefined, port: 53, protocol: 'UDP' },
    ]);
  });

  it('reads the controlling owner reference of a Pod, and a sidecar\'s ports after the containers\'', () => {
    const decoded = decodeObject({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-6f7d9c8b5-2kq9x',
        namespace: 'shop',
        ownerReferences: [
          { apiVersion: 'example.com/v1', kind: 'Tracker', name: 't', uid: '1' },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6f7d9c8b5', uid: '2', controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always', ports: [{ containerPort: 15001, name: 'proxy' }] }], containers: [{ name: 'web', ports: [{ containerPort: 8080, name: '' }] }] },
    });
    if (decoded.kind !== 'Pod') throw new Error(`decoded a ${decoded.kind}`);
    expect(decoded.pod.controller).toEqual({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6f7d9c8b5', uid: '2' });
    expect(decoded.pod.containerPorts).toEqual([
      { name: undefined, port: 8080, protocol: 'TCP' },
      { name: 'proxy', port: 15001, protocol: 'TCP' },
    ]);
  });

  it('reads a pending Pod without IPs', () => {
    const decoded = decodeObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] }, status: { phase: 'Pending' } });
    expect(decoded.kind === 'Pod' && decoded.pod.ips).toEqual([]);
  });

  it('reads a Service: targetPort defaults to port, named targetPorts kept', () => {
    const decoded = decodeObject({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system' },
      spec: { clusterIP: '10.96.0.10', selector: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53, targetPort: 'dns-tcp' }] },
    });
    if (decoded.kind !== 'Service') throw new Error(`decoded a ${decoded.kind}`);
    expect(decoded.service.clusterIPs).toEqual(['10.96.0.10']);
    expect(decoded.service.ports.map((p) => [p.protocol, p.targetPort])).toEqual([
      ['UDP', 53],
      ['TCP', 'dns-tcp'],
    ]);
  });

  it('passes other kinds through for the caller to skip', () => {
    expect(decodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).toEqual({ kind: 'Other', apiVersion: 'v1', otherKind: 'ConfigMap' });
  });

  it.each([
    [{ apiVersion: 'v1', kind: 'NetworkPolicy', metadata: { name: 'x' }, spec: {} }, 'apiVersion: must be networking.k8s.io/v1 for a NetworkPolicy (got "v1")'],
    [{ kind: 'Pod', metadata: { name: 'x' } }, 'apiVersion: is required'],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, status: { podIP: '10.0.0.300' } }, 'status.podIP: "10.0.0.300" is not an IP address'],
    [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containers: [{ ports: [{ containerPort: 0 }] }] } }, 'spec.containers[0].ports[0].containerPort: must be between 1 and 65535 (got 0)'],
    [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: '53' }] } }, 'spec.ports[0].port: must be an integer (got "53")'],
  ])('rejects bad objects with the field path (%#)', (object, message) => {
    expect(() => decodeObject(object)).toThrow(message);
  });
});
