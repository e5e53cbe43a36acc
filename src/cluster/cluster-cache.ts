import type { ClusterState } from '../model/cluster-state.js';
import { SERVICE_NAME_LABEL } from '../model/endpoint-slice.js';
import type { EndpointSlice } from '../model/endpoint-slice.js';
import type { Namespace } from '../model/namespace.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { Pod } from '../model/pod.js';
import type { Service } from '../model/service.js';
import { decodeEndpointSlice } from '../k8s/endpoint-slice.js';
import { decodeNamespace } from '../k8s/namespace.js';
import { decodeNetworkPolicy } from '../k8s/network-policy.js';
import { decodePod } from '../k8s/pod.js';
import { decodeService } from '../k8s/service.js';
import { MemoryState } from '../state/memory-state.js';
import type { KubeClient } from './kube-client.js';
import { Interner, internPolicy } from './intern.js';
import { Reflector } from './reflector.js';
import type { ReflectorLogger } from './reflector.js';

/** ClusterCacheOptions say what to watch: pods and services only where essential services run. */
export interface ClusterCacheOptions {
  readonly client: KubeClient;
  readonly logger: ReflectorLogger;
  /** serviceNamespaces: namespaces whose pods and Services locate essential services (DNS's). */
  readonly serviceNamespaces: readonly string[];
  readonly initialBackoffMs?: number;
  /** requestTimeoutMs bounds each list request (default 30 s). */
  readonly requestTimeoutMs?: number;
  readonly onChange?: () => void;
}

/**
 * ClusterCache is the live ClusterState: list+watch caches of Namespaces and NetworkPolicies in
 * the whole cluster, of Pods and Services only in the namespaces where essential services run,
 * and of the API server's own EndpointSlices (`default/kubernetes`). It keeps what the rules need (labels, specs, ports, addresses), never whole objects, and
 * hands out an immutable snapshot that is rebuilt only after something changed.
 */
export class ClusterCache {
  private readonly namespaces: Reflector<Namespace>;
  private readonly policies: Reflector<NetworkPolicy>;
  private readonly pods: Reflector<Pod>[];
  private readonly services: Reflector<Service>[];
  private readonly apiServerSlices: Reflector<EndpointSlice>;
  private current: MemoryState | undefined;
  private servicesChanged = 0;
  /** Per-namespace policy lists, sorted by name, carried from snapshot to snapshot. */
  private policyLists = new Map<string, readonly NetworkPolicy[]>();
  private readonly policyKeys = new Map<string, Set<string>>();
  /** Namespaces whose policy list must be rebuilt; `all` after a relist. */
  private dirtyPolicies: Set<string> | 'all' = 'all';

  constructor(options: ClusterCacheOptions) {
    // locatesServices: its objects say where essential services run; changed: told each changed key.
    type Extra = { readonly locatesServices?: boolean; readonly query?: Record<string, string>; readonly changed?: (key?: string) => void };
    const make = <T>(path: string, decode: (raw: unknown) => T, { locatesServices = false, query, changed }: Extra = {}): Reflector<T> =>
      new Reflector({
        client: options.client,
        path,
        ...(query === undefined ? {} : { query }),
        decode,
        logger: options.logger,
        onChange: (key) => {
          this.current = undefined;
          if (locatesServices) this.servicesChanged++;
          changed?.(key);
          options.onChange?.();
        },
        ...(options.initialBackoffMs === undefined ? {} : { initialBackoffMs: options.initialBackoffMs }),
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      });
    this.namespaces = make('/api/v1/namespaces', decodeNamespace);
    // Policies share equal parts (see Interner): big multi-tenant clusters repeat the same policies.
    const interner = new Interner();
    this.policies = make('/apis/networking.k8s.io/v1/networkpolicies', (raw) => internPolicy(decodeNetworkPolicy(raw), interner), { changed: (key) => this.policyChanged(key) });
    this.pods = options.serviceNamespaces.map((namespace) => make(`/api/v1/namespaces/${namespace}/pods`, decodePod, { locatesServices: true }));
    this.services = options.serviceNamespaces.map((namespace) => make(`/api/v1/namespaces/${namespace}/services`, decodeService, { locatesServices: true }));
    // The API server's real endpoints: only the slices of default/kubernetes, selected server-side.
    this.apiServerSlices = make('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', decodeEndpointSlice, { locatesServices: true, query: { labelSelector: `${SERVICE_NAME_LABEL}=kubernetes` } });
  }

  private all(): Array<Reflector<unknown>> {
    return [this.namespaces, this.policies, ...this.pods, ...this.services, this.apiServerSlices];
  }

  /** start begins every list+watch loop in the background. */
  start(): void {
    for (const reflector of this.all()) void reflector.run();
  }

  stop(): void {
    for (const reflector of this.all()) reflector.stop();
  }

  /** synced says whether every cache has completed its first list (readiness). */
  synced(): boolean {
    return this.all().every((reflector) => reflector.synced());
  }

  /** healthy says whether every watch is open now (false while a cache recovers: decisions may be stale). */
  healthy(): boolean {
    return this.all().every((reflector) => reflector.healthy());
  }

  /** servicesVersion changes whenever a pod or Service that locates essential services changes. */
  servicesVersion(): number {
    return this.servicesChanged;
  }

  /** policyChanged notes which namespace's policy list a watch event (or a relist) changed. */
  private policyChanged(key: string | undefined): void {
    if (key === undefined) {
      this.dirtyPolicies = 'all';
      return;
    }
    const namespace = key.slice(0, key.indexOf('/'));
    let keys = this.policyKeys.get(namespace);
    if (keys === undefined) {
      keys = new Set();
      this.policyKeys.set(namespace, keys);
    }
    if (this.policies.items.has(key)) keys.add(key);
    else keys.delete(key);
    if (this.dirtyPolicies !== 'all') this.dirtyPolicies.add(namespace);
  }

  /**
   * policyListsNow brings the per-namespace lists up to date: only the namespaces that changed are
   * rebuilt, so the others keep their list (and whatever is cached against it).
   */
  private policyListsNow(): ReadonlyMap<string, readonly NetworkPolicy[]> {
    const byName = (a: NetworkPolicy, b: NetworkPolicy): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    if (this.dirtyPolicies === 'all') {
      this.policyKeys.clear();
      const lists = new Map<string, NetworkPolicy[]>();
      for (const [key, policy] of this.policies.items) {
        const list = lists.get(policy.namespace);
        if (list === undefined) lists.set(policy.namespace, [policy]);
        else list.push(policy);
        const keys = this.policyKeys.get(policy.namespace);
        if (keys === undefined) this.policyKeys.set(policy.namespace, new Set([key]));
        else keys.add(key);
      }
      for (const list of lists.values()) list.sort(byName);
      this.policyLists = lists;
    } else if (this.dirtyPolicies.size > 0) {
      const lists = new Map(this.policyLists);
      for (const namespace of this.dirtyPolicies) {
        const keys = this.policyKeys.get(namespace) ?? new Set<string>();
        const list = [...keys].flatMap((key) => this.policies.items.get(key) ?? []).sort(byName);
        if (list.length === 0) {
          lists.delete(namespace);
          this.policyKeys.delete(namespace);
        } else lists.set(namespace, list);
      }
      this.policyLists = lists;
    }
    this.dirtyPolicies = new Set();
    return this.policyLists;
  }

  /** snapshot is the cluster as last seen: the same object until something changes. */
  snapshot(): ClusterState {
    this.current ??= new MemoryState(
      {
        namespaces: [...this.namespaces.items.values()],
        policies: [],
        pods: this.pods.flatMap((reflector) => [...reflector.items.values()]),
        services: this.services.flatMap((reflector) => [...reflector.items.values()]),
        endpointSlices: [...this.apiServerSlices.items.values()],
      },
      this.policyListsNow(),
    );
    return this.current;
  }
}
