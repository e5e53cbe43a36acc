import { CLIENT_INTENTS_GROUP } from '../model/client-intents.js';
import type { KubeClient } from './kube-client.js';
import { isRecord } from './raw-object.js';

/** WATCHED_VERSIONS are the versions of ClientIntents the cluster cache watches, preferred first (they share one shape). */
export const WATCHED_VERSIONS = ['v2beta1', 'v2alpha1'] as const;

/** WatchedVersion is one of WATCHED_VERSIONS. */
export type WatchedVersion = (typeof WATCHED_VERSIONS)[number];

/**
 * IntentsDiscovery is what the API server says about ClientIntents: served in a version netfence
 * watches, not served (no CRD, or only versions netfence does not read), or unknown (the API server
 * did not answer; keep what was known).
 */
export type IntentsDiscovery =
  | { readonly kind: 'served'; readonly version: WatchedVersion }
  | { readonly kind: 'not-served'; readonly versions: readonly string[] }
  | { readonly kind: 'unknown'; readonly error: string };

/**
 * discoverClientIntents asks discovery where ClientIntents are served, as kubectl does: the group
 * `k8s.otterize.com` (its APIGroup lists the versions served), then the version's resource list,
 * which must hold `clientintents` (the group has other kinds, such as ProtectedService). v2beta1 is
 * preferred, then v2alpha1. Discovery needs no RBAC beyond what every authenticated user has.
 */
export async function discoverClientIntents(client: KubeClient): Promise<IntentsDiscovery> {
  try {
    const group = await client.request('GET', `/apis/${CLIENT_INTENTS_GROUP}`);
    if (group.status === 404) return { kind: 'not-served', versions: [] };
    if (group.status !== 200) return { kind: 'unknown', error: `GET /apis/${CLIENT_INTENTS_GROUP}: HTTP ${group.status}` };
    const versions = servedVersions(group.body);
    for (const version of WATCHED_VERSIONS) {
      if (!versions.includes(version)) continue;
      const resources = await client.request('GET', `/apis/${CLIENT_INTENTS_GROUP}/${version}`);
      if (resources.status === 404) continue;
      if (resources.status !== 200) return { kind: 'unknown', error: `GET /apis/${CLIENT_INTENTS_GROUP}/${version}: HTTP ${resources.status}` };
      if (resourceNames(resources.body).includes('clientintents')) return { kind: 'served', version };
    }
    return { kind: 'not-served', versions };
  } catch (error) {
    return { kind: 'unknown', error: error instanceof Error ? error.message : String(error) };
  }
}

/** servedVersions reads an APIGroup's versions (`versions[].version`). */
function servedVersions(body: unknown): string[] {
  const versions = isRecord(body) && Array.isArray(body['versions']) ? body['versions'] : [];
  return versions.flatMap((entry: unknown) => (isRecord(entry) && typeof entry['version'] === 'string' ? [entry['version']] : []));
}

/** resourceNames reads an APIResourceList's resources (`resources[].name`). */
function resourceNames(body: unknown): string[] {
  const resources = isRecord(body) && Array.isArray(body['resources']) ? body['resources'] : [];
  return resources.flatMap((entry: unknown) => (isRecord(entry) && typeof entry['name'] === 'string' ? [entry['name']] : []));
}
