import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** SERVICE_ACCOUNT_TOKEN is where Kubernetes mounts a pod's service-account token. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Credentials are how netfence reaches a cluster, and how sure it is that it should: an explicit
 * `--kubeconfig`, `KUBECONFIG` or in-cluster credentials mean "watch this cluster"; a
 * `~/.kube/config` that happens to exist is only tried, and netfence runs standalone when that
 * cluster cannot be reached.
 */
export interface Credentials {
  readonly kubeConfig: KubeConfig;
  readonly source: string;
  readonly explicit: boolean;
}

/** findCredentials looks for cluster credentials in the order kubectl and client-go use. */
export function findCredentials(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): Credentials | undefined {
  const kubeConfig = new KubeConfig();
  if (flag !== undefined) {
    kubeConfig.loadFromFile(flag);
    return { kubeConfig, source: flag, explicit: true };
  }
  if (env['KUBECONFIG'] !== undefined && env['KUBECONFIG'] !== '') {
    kubeConfig.loadFromDefault();
    return { kubeConfig, source: `KUBECONFIG=${env['KUBECONFIG']}`, explicit: true };
  }
  if (env['KUBERNETES_SERVICE_HOST'] !== undefined && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    kubeConfig.loadFromCluster();
    return { kubeConfig, source: 'in-cluster service account', explicit: true };
  }
  const file = join(home, '.kube', 'config');
  if (existsSync(file)) {
    kubeConfig.loadFromFile(file);
    return { kubeConfig, source: file, explicit: false };
  }
  return undefined;
}
