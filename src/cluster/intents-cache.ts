import { decodeClientIntents } from '../k8s/client-intents.js';
import { DecodeError } from '../k8s/decode.js';
import { decodeService } from '../k8s/service.js';
import { decodeWorkload } from '../k8s/workload.js';
import { CLIENT_INTENTS_GROUP } from '../model/client-intents.js';
import type { ClientIntents } from '../model/client-intents.js';
import type { ClusterState } from '../model/cluster-state.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { Service } from '../model/service.js';
import { podsOf } from '../model/workload.js';
import type { Workload } from '../model/workload.js';
import type { WorkloadKind } from '../model/workload-kind.js';
import { MemoryState } from '../state/memory-state.js';
import { Interner, internWorkload } from './intern.js';
import { discoverClientIntents } from './intents-discovery.js';
import type { WatchedVersion } from './intents-discovery.js';
import type { KubeClient } from './kube-client.js';
import { metadataString } from './raw-object.js';
import { Reflector } from './reflector.js';
import type { ReflectorLogger } from './reflector.js';

/** WATCHED_WORKLOADS are the workload kinds whose pod templates stand for clients and servers, with their collection's path. */
const WATCHED_WORKLOADS: ReadonlyArray<readonly [WorkloadKind, string]> = [
  ['Deployment', '/apis/apps/v1/deployments'],
  ['StatefulSet', '/apis/apps/v1/statefulsets'],
  ['DaemonSet', '/apis/apps/v1/daemonsets'],
];

/**
 * LiveIntents is one ClientIntents as the cache keeps it: read (with its uid, for the Events about
 * it), or unreadable, with why (the reconciler says so in a Warning Event and calls for nothing).
 */
export type LiveIntents =
  | { readonly kind: 'read'; readonly uid: string | undefined; readonly intents: ClientIntents }
  | { readonly kind: 'unreadable'; readonly uid: string | undefined; readonly namespace: string; readonly name: string; readonly apiVersion: string; readonly error: string };

/** IntentsCacheOptions wire the intents cache; `onChange` is told of every change, as the cluster cache's. */
export interface IntentsCacheOptions {
  readonly client: KubeClient;
  readonly logger: ReflectorLogger;
  readonly onChange?: () => void;
  /** rediscoverMs: how often discovery is asked again whether ClientIntents are served (default a minute). */
  readonly rediscoverMs?: number;
  readonly initialBackoffMs?: number;
  readonly requestTimeoutMs?: number;
}

interface Watches {
  readonly version: WatchedVersion;
  readonly intents: Reflector<LiveIntents>;
  readonly workloads: ReadonlyArray<Reflector<Workload>>;
  readonly services: Reflector<Service>;
}

/**
 * IntentsCache is what the intents reconciler reads beyond the cluster cache, only where the
 * ClientIntents CRD is served (asked of discovery at start and every `rediscoverMs`; nothing is
 * watched, and nothing fails, where it is not): list+watch caches, in every namespace, of
 * ClientIntents (in v2beta1, else v2alpha1), of Deployments, StatefulSets and DaemonSets (their pod
 * templates' labels and container ports only, shared between equal templates), and of Services
 * (selectors and ports). `state` is the cluster cache's snapshot with each workload's pod template
 * standing for its pods (the generator selects clients and servers by template labels) and every
 * Service.
 */
export class IntentsCache {
  private watches: Watches | undefined;
  private changes = 0;
  private memo: { readonly base: ClusterState; readonly changes: number; readonly state: ClusterState } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** said: the last discovery outcome logged, so that a state is said once, not every minute. */
  private said = '';
  private readonly interner = new Interner();

  constructor(private readonly options: IntentsCacheOptions) {}

  /** start asks discovery now and every `rediscoverMs`, and watches while ClientIntents are served. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.discover();
  }

  /** stop ends discovery and every watch, and forgets what they held. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unwatch();
    this.said = '';
  }

  /** served is the version of ClientIntents watched, or undefined where none is served. */
  served(): WatchedVersion | undefined {
    return this.watches?.version;
  }

  /** synced says whether ClientIntents are served and every watch has listed once: until then no generated policy is judged missing or stale. */
  synced(): boolean {
    const watches = this.watches;
    return watches !== undefined && [watches.intents, ...watches.workloads, watches.services].every((reflector) => reflector.synced());
  }

  /** intents are the ClientIntents of the cluster, read or not. */
  intents(): LiveIntents[] {
    return [...(this.watches?.intents.items.values() ?? [])];
  }

  /** state is `base` (the cluster cache's snapshot) with the workloads' pod templates and every Service; the same object until either changes. */
  state(base: ClusterState): ClusterState {
    if (this.memo !== undefined && this.memo.base === base && this.memo.changes === this.changes) return this.memo.state;
    const workloads = (this.watches?.workloads ?? []).flatMap((reflector) => [...reflector.items.values()]);
    const services = new Map(base.services().map((service) => [`${service.namespace}/${service.name}`, service]));
    for (const [key, service] of this.watches?.services.items ?? []) services.set(key, service);
    const policies = new Map<string, readonly NetworkPolicy[]>();
    for (const namespace of base.namespaces()) {
      const list = base.policiesIn(namespace.name);
      if (list.length > 0) policies.set(namespace.name, list);
    }
    const state = new MemoryState(
      { namespaces: base.namespaces(), pods: podsOf(base.pods(), workloads), services: [...services.values()], policies: [], endpointSlices: base.endpointSlices() },
      policies,
    );
    this.memo = { base, changes: this.changes, state };
    return state;
  }

  private async discover(): Promise<void> {
    const found = await discoverClientIntents(this.options.client);
    if (!this.running) return;
    switch (found.kind) {
      case 'served':
        if (this.watches?.version !== found.version) {
          this.unwatch();
          this.watch(found.version);
          this.say(`served:${found.version}`, 'info', { version: `${CLIENT_INTENTS_GROUP}/${found.version}` }, 'intents: ClientIntents are served; watching ClientIntents, Deployments, StatefulSets, DaemonSets and Services in every namespace');
        }
        break;
      case 'not-served':
        if (this.watches !== undefined) {
          this.unwatch();
          this.changed();
        }
        this.say(
          'not-served',
          'info',
          { group: CLIENT_INTENTS_GROUP, versions: found.versions },
          found.versions.length === 0
            ? 'intents: the ClientIntents CRD is not served; netfence keeps no intents policies until it is'
            : `intents: ClientIntents are served only in versions netfence does not watch (${found.versions.join(', ')}); it watches ${CLIENT_INTENTS_GROUP}/v2beta1 or v2alpha1`,
        );
        break;
      case 'unknown':
        this.say('unknown', 'warn', { error: found.error }, 'intents: discovery failed; asking again later');
        break;
    }
    this.timer = setTimeout(() => void this.discover(), this.options.rediscoverMs ?? 60_000);
    this.timer.unref();
  }

  private say(state: string, level: 'info' | 'warn', fields: object, message: string): void {
    if (state === this.said) return;
    this.said = state;
    this.options.logger[level](fields, message);
  }

  private watch(version: WatchedVersion): void {
    /**
     * make builds a reflector. With `fingerprint`, a watch event that leaves what netfence keeps of
     * an object as it was is no change: a Deployment's status moves with every pod that starts or
     * becomes ready, and would otherwise start a reconcile pass each time.
     */
    const make = <T>(path: string, decode: (raw: unknown) => T, fingerprint?: (item: T) => string): Reflector<T> => {
      const last = new Map<string, string>();
      const reflector: Reflector<T> = new Reflector({
        client: this.options.client,
        path,
        decode,
        logger: this.options.logger,
        onChange: (key) => {
          if (fingerprint !== undefined) {
            if (key === undefined) {
              // A (re)list: remember every object as listed.
              last.clear();
              for (const [listed, item] of reflector.items) last.set(listed, fingerprint(item));
            } else {
              const item = reflector.items.get(key);
              const now = item === undefined ? undefined : fingerprint(item);
              if (now !== undefined && last.get(key) === now) return;
              if (now === undefined) last.delete(key);
              else last.set(key, now);
            }
          }
          this.changed();
        },
        ...(this.options.initialBackoffMs === undefined ? {} : { initialBackoffMs: this.options.initialBackoffMs }),
        ...(this.options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.options.requestTimeoutMs }),
      });
      return reflector;
    };
    const watches: Watches = {
      version,
      intents: make(`/apis/${CLIENT_INTENTS_GROUP}/${version}/clientintents`, readIntents),
      workloads: WATCHED_WORKLOADS.map(([kind, path]) => make(path, (raw) => internWorkload(decodeWorkload(raw, kind), this.interner), workloadFingerprint)),
      services: make('/api/v1/services', decodeService, (service) => JSON.stringify([service.selector === null ? null : [...service.selector], service.ports, service.type ?? ''])),
    };
    this.watches = watches;
    for (const reflector of [watches.intents, ...watches.workloads, watches.services]) void reflector.run();
  }

  private unwatch(): void {
    const watches = this.watches;
    if (watches === undefined) return;
    for (const reflector of [watches.intents, ...watches.workloads, watches.services]) reflector.stop();
    this.watches = undefined;
    this.memo = undefined;
  }

  private changed(): void {
    this.changes++;
    this.options.onChange?.();
  }
}

/** readIntents reads a ClientIntents as the API server sends it; one netfence cannot read is kept as unreadable, with why. */
function readIntents(raw: unknown): LiveIntents {
  const uid = metadataString(raw, 'uid');
  try {
    return { kind: 'read', uid, intents: decodeClientIntents(raw) };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    const apiVersion = typeof raw === 'object' && raw !== null && 'apiVersion' in raw && typeof raw.apiVersion === 'string' ? raw.apiVersion : CLIENT_INTENTS_GROUP;
    return { kind: 'unreadable', uid, namespace: metadataString(raw, 'namespace') ?? '', name: metadataString(raw, 'name') ?? '', apiVersion, error: error.message };
  }
}

/** workloadFingerprint is what the intents cache keeps of a workload, as text: a change of anything else (its status) is no change. */
function workloadFingerprint(workload: Workload): string {
  return JSON.stringify([[...workload.labels], workload.containerPorts, workload.hostNetwork === true, workload.retired, workload.controller?.name ?? '']);
}
