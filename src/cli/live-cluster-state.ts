import { ClusterCache } from '../cluster/cluster-cache.js';
import { findCredentials } from '../cluster/credentials.js';
import { KubeClient } from '../cluster/kube-client.js';
import { listPods } from '../cluster/list-pods.js';
import type { ClusterState } from '../core/cluster-state.js';
import type { Config } from '../core/config.js';
import { MemoryState } from '../state/memory-state.js';
import type { Io } from './command.js';
import { UsageError } from './usage-error.js';

const SYNC_TIMEOUT_MS = 30_000;

/**
 * readWholeCluster reads a live cluster the way `netfence audit` does (the informer cache: namespaces,
 * policies, the Services and pods that locate essential services, the API server's endpoints), then
 * lists the pods of every other namespace once: a picture of who can reach whom needs them all.
 * Returns the state and the API server's address, which names the source in the report.
 */
export async function readWholeCluster(kubeconfig: string | undefined, config: Config, io: Io, command: string): Promise<{ state: ClusterState; server: string }> {
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
  const pods = [...snapshot.pods()];
  for (const namespace of snapshot.namespaces()) {
    if (!listed.has(namespace.name)) pods.push(...(await listPods(client, namespace.name)));
  }
  const state = new MemoryState({ namespaces: snapshot.namespaces(), pods, services: snapshot.services(), policies: snapshot.policies(), endpointSlices: snapshot.endpointSlices() });
  return { state, server: client.server() };
}
