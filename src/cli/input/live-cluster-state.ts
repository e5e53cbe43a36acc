import { ClusterCache } from '../../cluster/cluster-cache.js';
import { findCredentials } from '../../cluster/credentials.js';
import { KubeClient } from '../../cluster/kube-client.js';
import { listPods } from '../../cluster/list-pods.js';
import type { ClusterState } from '../../model/cluster-state.js';
import type { Config } from '../../guardrails/config.js';
import type { Namespace } from '../../model/namespace.js';
import { MemoryState } from '../../state/memory-state.js';
import type { Io } from '../command.js';
import { UsageError } from '../usage-error.js';

const SYNC_TIMEOUT_MS = 30_000;

/** LiveCluster is a live cluster read once, and the client that read it (for writes such as PolicyReports). */
export interface LiveCluster {
  readonly state: ClusterState;
  readonly client: KubeClient;
}

/**
 * readLiveCluster reads a live cluster once for the offline commands (`audit`, `report`): the
 * informer cache's first list (namespaces, policies, the Services and pods that locate essential
 * services, the API server's endpoints), then the pods of the namespaces `podsOf` picks, listed
 * once each (the cache holds pods only where essential services run).
 */
export async function readLiveCluster(
  kubeconfig: string | undefined,
  config: Config,
  io: Io,
  command: string,
  podsOf: (snapshot: ClusterState) => readonly Namespace[],
): Promise<LiveCluster> {
  let credentials;
  try {
    credentials = findCredentials(kubeconfig);
  } catch (error) {
    throw new UsageError(`cannot read cluster credentials: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (credentials === undefined) throw new UsageError('no cluster credentials (--kubeconfig, KUBECONFIG, in-cluster or ~/.kube/config); use --state PATH for files');
  const client = new KubeClient(credentials.kubeConfig);
  const quiet = { info: () => undefined, warn: (fields: object, message: string) => io.stderr(`netfence ${command}: ${message} ${JSON.stringify(fields)}`) };
  const cache = new ClusterCache({ client, logger: quiet, serviceNamespaces: [config.clusterDns.namespace] });
  cache.start();
  let snapshot: ClusterState;
  try {
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    while (!cache.synced()) {
      if (Date.now() > deadline) throw new Error(`could not list the cluster at ${client.server()} within ${SYNC_TIMEOUT_MS / 1000}s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    snapshot = cache.snapshot();
  } finally {
    cache.stop();
  }
  const listed = new Set(snapshot.pods().map((pod) => pod.namespace));
  const missing = podsOf(snapshot).filter((namespace) => !listed.has(namespace.name));
  if (missing.length === 0) return { state: snapshot, client };
  const pods = [...snapshot.pods()];
  for (const namespace of missing) pods.push(...(await listPods(client, namespace.name)));
  const state = new MemoryState({ namespaces: snapshot.namespaces(), pods, services: snapshot.services(), policies: snapshot.policies(), endpointSlices: snapshot.endpointSlices() });
  return { state, client };
}
