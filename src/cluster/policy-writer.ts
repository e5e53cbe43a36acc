import { networkPolicyManifest } from '../model/manifest.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { KubeClient } from './kube-client.js';
import { isRecord, metadataString } from './raw-object.js';

const policiesPath = (namespace: string, name?: string): string =>
  `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/networkpolicies${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

/**
 * PolicyWriter writes the NetworkPolicies netfence keeps (baselines, and those ClientIntents call
 * for): create, replace with conflict retries, delete. A create that finds the policy there already
 * (409) and a delete that finds it gone (404) are not failures: the watch brings the policy, and
 * the next pass compares it. Any other answer but 2xx throws, naming the policy.
 */
export class PolicyWriter {
  constructor(private readonly client: KubeClient) {}

  async create(policy: NetworkPolicy): Promise<void> {
    const response = await this.client.request('POST', policiesPath(policy.namespace), networkPolicyManifest(policy, { labels: policy.labels }));
    if (response.status === 409) return; // created meanwhile: the next pass compares it
    expectOk(response.status, `create ${policy.namespace}/${policy.name}`, response.body);
  }

  /** replace PUTs the rendered policy over the current one, retrying on 409 Conflict with a fresh resourceVersion. */
  async replace(policy: NetworkPolicy): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.client.request('GET', policiesPath(policy.namespace, policy.name));
      if (current.status === 404) return this.create(policy);
      expectOk(current.status, `get ${policy.namespace}/${policy.name}`, current.body);
      const manifest = networkPolicyManifest(policy, { labels: policy.labels });
      const metadata = manifest['metadata'];
      if (isRecord(metadata)) metadata['resourceVersion'] = metadataString(current.body, 'resourceVersion') ?? '';
      const response = await this.client.request('PUT', policiesPath(policy.namespace, policy.name), manifest);
      if (response.status !== 409 || attempt >= 5) return expectOk(response.status, `replace ${policy.namespace}/${policy.name}`, response.body);
    }
  }

  async remove(namespace: string, name: string): Promise<void> {
    const response = await this.client.request('DELETE', policiesPath(namespace, name));
    if (response.status !== 404) expectOk(response.status, `delete ${namespace}/${name}`, response.body);
  }
}

/** messageOf reads a Status body's message as `: message`, or nothing. */
export function messageOf(body: unknown): string {
  return typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' && body.message !== '' ? `: ${body.message}` : '';
}

function expectOk(status: number, what: string, body: unknown): void {
  if (status >= 200 && status < 300) return;
  throw new Error(`${what}: HTTP ${status}${messageOf(body)}`);
}
