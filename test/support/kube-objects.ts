/** Builders for Kubernetes objects as the API server stores them, for the fake API server. */

export const namespace = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

export const corednsPod = (name: string, ip: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
  spec: { containers: [{ name: 'coredns', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }] }] },
  status: { podIP: ip, podIPs: [{ ip }] },
});

export const kubeDnsService = () => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'kube-dns', namespace: 'kube-system' },
  spec: { selector: { 'k8s-app': 'kube-dns' }, clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }] },
});

/** clusterDns is cluster DNS as kubeadm installs it: the kube-system namespace, one CoreDNS pod and the kube-dns Service. */
export const clusterDns = () => [namespace('kube-system'), corednsPod('coredns-1', '10.244.0.10'), kubeDnsService()];

export const networkPolicy = (namespace: string, name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace, labels },
  spec,
});

/** endpointSlice builds an EndpointSlice of a Service, as the endpointslice controller writes it. */
export const endpointSlice = (namespace: string, name: string, service: string, addresses: string[], ports: Array<{ name: string; port: number; protocol?: string }>) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name, namespace, labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
  ports: ports.map((port) => ({ protocol: 'TCP', ...port })),
});
