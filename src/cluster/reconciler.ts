import { isManaged } from '../guardrails/baseline.js';
import { planBaseline } from '../guardrails/baseline-plan.js';
import type { Config } from '../guardrails/config.js';
import { networkPolicyManifest } from '../model/manifest.js';
import type { Namespace } from '../model/namespace.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { ClusterCache } from './cluster-cache.js';
import type { KubeClient } from './kube-client.js';
import { isRecord, metadataString } from './raw-object.js';
import type { ReflectorLogger } from './reflector.js';
import { SerialPasses } from './serial-passes.js';

/** ReconcilerLogger is the part of a logger the reconciler uses. */
export interface ReconcilerLogger extends ReflectorLogger {
  error(fields: object, message: string): void;
}

/** ReconcilerCounters count what the reconciler did (Prometheus counters in production). */
export interface ReconcilerCounters {
  provisioned(namespace: string): void;
  repaired(namespace: string): void;
}

/** ReconcilerOptions wire the reconciler. */
export interface ReconcilerOptions {
  readonly client: KubeClient;
  readonly cache: ClusterCache;
  readonly config: Config;
  readonly logger: ReconcilerLogger;
  readonly counters?: ReconcilerCounters;
  /** debounceMs groups bursts of watch events into one pass. */
  readonly debounceMs?: number;
  /** fight: more repairs of one policy than `repairs` within `windowMs` means another controller fights back. */
  readonly fight?: { readonly repairs: number; readonly windowMs: number };
  readonly now?: () => number;
}

/** EVENT_NAMESPACE is where the API server keeps Events about cluster-scoped objects such as Namespaces. */
const EVENT_NAMESPACE = 'default';

const policiesPath = (namespace: string, name?: string): string =>
  `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/networkpolicies${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

/**
 * Reconciler provisions every namespace's baseline policies and repairs them when they drift:
 * created when missing (new namespaces, and those that existed before netfence or appeared while
 * it was down), replaced when edited (with conflict retries), switched when the profile label
 * changes, removed on opt-out. It leaves terminating namespaces alone, and stops repairing a
 * policy that another controller keeps changing back, reporting it instead of fighting.
 */
export class Reconciler {
  private readonly passes: SerialPasses;
  private readonly repairs = new Map<string, number[]>();
  private readonly contested = new Set<string>();
  /** provisioned: namespaces whose baseline this process has seen in place (a later create is a repair). */
  private readonly provisioned = new Set<string>();

  constructor(private readonly options: ReconcilerOptions) {
    this.passes = new SerialPasses(() => this.reconcileAll(), options.debounceMs ?? 100);
  }

  /** notify asks for a pass soon (call it on every cache change); passes never overlap. */
  notify(): void {
    this.passes.notify();
  }

  stop(): void {
    this.passes.stop();
  }

  /** reconcileAll runs one pass over every namespace. */
  private async reconcileAll(): Promise<void> {
    const state = this.options.cache.snapshot();
    for (const namespace of state.namespaces()) {
      if (this.passes.stopped) return;
      await this.reconcileNamespace(namespace, state.policiesIn(namespace.name)).catch((error: unknown) => {
        this.options.logger.warn({ namespace: namespace.name, error: error instanceof Error ? error.message : String(error) }, 'baseline: reconcile failed; will retry');
        this.passes.notifyLater();
      });
    }
  }

  private async reconcileNamespace(namespace: Namespace, policies: readonly NetworkPolicy[]): Promise<void> {
    const plan = planBaseline(namespace, policies, this.options.config);
    if (plan.kind === 'skip') {
      if (plan.reason === 'unknown-profile') this.options.logger.warn({ namespace: namespace.name, profile: plan.profile }, `baseline: namespace ${namespace.name} asks for profile "${plan.profile}", which the config does not define; nothing provisioned`);
      return;
    }
    const { create, replace, remove } = plan;
    const hadManaged = this.provisioned.has(namespace.name) || policies.some((policy) => isManaged(policy.labels));
    if (plan.create.length > 0 || hadManaged) this.provisioned.add(namespace.name);
    if (create.length + replace.length + remove.length === 0) return;
    // A policy created again in a provisioned namespace, or replaced, is a repair: watch for fights.
    for (const policy of create) if (!hadManaged || !this.fighting(namespace, policy)) await this.create(policy);
    for (const policy of replace) if (!this.fighting(namespace, policy)) await this.replace(policy);
    for (const name of remove) await this.remove(namespace.name, name);
    const names = [...create, ...replace].map((policy) => policy.name);
    if (!hadManaged && replace.length === 0 && create.length > 0) {
      this.options.counters?.provisioned(namespace.name);
      await this.event(namespace, 'Normal', 'BaselineProvisioned', `netfence provisioned baseline profile "${plan.profile}": ${names.join(', ')}`);
    } else if (names.length > 0) {
      this.options.counters?.repaired(namespace.name);
      await this.event(namespace, 'Normal', 'BaselineRepaired', `netfence repaired baseline profile "${plan.profile}": ${names.join(', ')}`);
    }
    if (remove.length > 0) await this.event(namespace, 'Normal', 'BaselineRemoved', `netfence removed managed policies: ${remove.join(', ')}`);
    this.options.logger.info({ namespace: namespace.name, profile: plan.profile, created: create.map((p) => p.name), replaced: replace.map((p) => p.name), removed: remove }, 'baseline reconciled');
  }

  /** fighting records a repair and says whether this policy is being changed back too often. */
  private fighting(namespace: Namespace, policy: NetworkPolicy): boolean {
    const key = `${policy.namespace}/${policy.name}`;
    const now = (this.options.now ?? Date.now)();
    const { repairs: limit, windowMs } = this.options.fight ?? { repairs: 5, windowMs: 5 * 60_000 };
    const recent = (this.repairs.get(key) ?? []).filter((time) => now - time < windowMs);
    recent.push(now);
    this.repairs.set(key, recent);
    if (recent.length <= limit) return false;
    if (!this.contested.has(key)) {
      this.contested.add(key);
      this.options.logger.error({ policy: key, repairs: recent.length, windowMs }, 'baseline: another controller keeps changing this managed policy; netfence stops repairing it');
      void this.event(namespace, 'Warning', 'BaselineContested', `netfence stopped repairing ${policy.name}: it was changed back ${recent.length} times within ${Math.round(windowMs / 1000)}s (another controller?)`);
    }
    return true;
  }

  private async create(policy: NetworkPolicy): Promise<void> {
    const response = await this.options.client.request('POST', policiesPath(policy.namespace), networkPolicyManifest(policy, { labels: policy.labels }));
    if (response.status === 409) return; // created meanwhile: the next pass compares it
    expectOk(response.status, `create ${policy.namespace}/${policy.name}`, response.body);
  }

  /** replace PUTs the rendered policy over the current one, retrying on 409 Conflict with a fresh resourceVersion. */
  private async replace(policy: NetworkPolicy): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.options.client.request('GET', policiesPath(policy.namespace, policy.name));
      if (current.status === 404) return this.create(policy);
      expectOk(current.status, `get ${policy.namespace}/${policy.name}`, current.body);
      const manifest = networkPolicyManifest(policy, { labels: policy.labels });
      const metadata = manifest['metadata'];
      if (isRecord(metadata)) metadata['resourceVersion'] = metadataString(current.body, 'resourceVersion') ?? '';
      const response = await this.options.client.request('PUT', policiesPath(policy.namespace, policy.name), manifest);
      if (response.status !== 409 || attempt >= 5) return expectOk(response.status, `replace ${policy.namespace}/${policy.name}`, response.body);
    }
  }

  private async remove(namespace: string, name: string): Promise<void> {
    const response = await this.options.client.request('DELETE', policiesPath(namespace, name));
    if (response.status !== 404) expectOk(response.status, `delete ${namespace}/${name}`, response.body);
  }

  /**
   * event records an Event about a namespace. A Namespace is cluster-scoped, so the API server keeps
   * Events about it in `default` (it refuses them anywhere else: 422, involvedObject.namespace does
   * not match); the namespace's uid lets `kubectl describe namespace` find them.
   */
  private async event(namespace: Namespace, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date((this.options.now ?? Date.now)()).toISOString();
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: 'netfence-', namespace: EVENT_NAMESPACE },
      involvedObject: { apiVersion: 'v1', kind: 'Namespace', name: namespace.name, ...(namespace.uid === undefined ? {} : { uid: namespace.uid }) },
      reason,
      message,
      type,
      source: { component: 'netfence' },
      reportingComponent: 'netfence',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const failure = await this.options.client.request('POST', `/api/v1/namespaces/${EVENT_NAMESPACE}/events`, event).then(
      (response) => (response.status < 300 ? undefined : `HTTP ${response.status}${messageOf(response.body)}`),
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (failure !== undefined) this.options.logger.warn({ namespace: namespace.name, reason, error: failure }, 'could not record an event');
  }

}

/** messageOf reads a Status body's message as `: message`, or nothing. */
function messageOf(body: unknown): string {
  return typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string' && body.message !== '' ? `: ${body.message}` : '';
}

function expectOk(status: number, what: string, body: unknown): void {
  if (status >= 200 && status < 300) return;
  throw new Error(`${what}: HTTP ${status}${messageOf(body)}`);
}
