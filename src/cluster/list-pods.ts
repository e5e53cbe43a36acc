import type { Pod } from '../model/pod.js';
import { decodePod } from '../k8s/pod.js';
import type { KubeClient } from './kube-client.js';
import { isRecord, metadataString } from './raw-object.js';

/** PAGE_SIZE is how many pods one list request asks for. */
const PAGE_SIZE = 500;

/**
 * listPods reads the pods of one namespace that can still send or receive traffic (not Succeeded
 * or Failed), a page at a time. The live cache watches pods only where essential services run;
 * `audit` lists a namespace's pods once to say what adopting it would isolate.
 */
export async function listPods(client: KubeClient, namespace: string): Promise<Pod[]> {
  const pods: Pod[] = [];
  let continueToken = '';
  do {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), ...(continueToken === '' ? {} : { continue: continueToken }) });
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?${params.toString()}`;
    const response = await client.request('GET', path);
    if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}`);
    const items = isRecord(response.body) && Array.isArray(response.body['items']) ? response.body['items'] : [];
    for (const item of items) {
      const status = isRecord(item) ? item['status'] : undefined;
      const phase = isRecord(status) ? status['phase'] : undefined;
      if (phase !== 'Succeeded' && phase !== 'Failed') pods.push(decodePod(item));
    }
    continueToken = metadataString(response.body, 'continue') ?? '';
  } while (continueToken !== '');
  return pods;
}
