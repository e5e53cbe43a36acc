import type { KubeClient } from './kube-client.js';
import { isRecord } from './raw-object.js';
import type { ReflectorLogger } from './reflector.js';

/** LeaderElectionLogger is the part of a logger the election uses. */
export interface LeaderElectionLogger extends ReflectorLogger {
  error(fields: object, message: string): void;
}

/** LeaderElectionOptions configure one Lease-based election. */
export interface LeaderElectionOptions {
  readonly client: KubeClient;
  /** namespace holds the Lease: the one netfence runs in (see leaseNamespace). */
  readonly namespace: string;
  readonly name: string;
  /** identity names this replica (its pod name in a cluster). */
  readonly identity: string;
  readonly leaseSeconds?: number;
  readonly retryMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly logger: LeaderElectionLogger;
  /** repeatErrorMs: an error that keeps this replica from ever leading is logged again after this long (default a minute), not on every retry. */
  readonly repeatErrorMs?: number;
  readonly now?: () => number;
}

/**
 * leaseNamespace is where the Lease lives: the namespace netfence runs in, `POD_NAMESPACE` (the
 * chart sets it from the downward API), else the config's `namespace`.
 */
export function leaseNamespace(env: Readonly<Record<string, string | undefined>>, config: { readonly namespace: string }): string {
  const fromPod = env['POD_NAMESPACE']?.trim() ?? '';
  return fromPod === '' ? config.namespace : fromPod;
}

/** namesNamespace says whether a 404 Status is about the namespace (`namespaces "x" not found`), not the object asked for. */
function namesNamespace(body: unknown, namespace: string): boolean {
  const details = isRecord(body) ? body['details'] : undefined;
  return isRecord(details) && details['kind'] === 'namespaces' && details['name'] === namespace;
}

/** statusMessage reads a Status body's message as `: message`, or nothing. */
function statusMessage(body: unknown): string {
  return isRecord(body) && typeof body['message'] === 'string' && body['message'] !== '' ? `: ${body['message']}` : '';
}

/** microTime prints a time as Kubernetes MicroTime (RFC 3339 with microseconds). */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
  acquireTime?: string;
  leaseTransitions?: number;
}

function specOf(body: unknown): { spec: LeaseSpec; resourceVersion: string } {
  const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : {});
  const spec = record(record(body)['spec']);
  const metadata = record(record(body)['metadata']);
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const number = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
  return {
    spec: {
      holderIdentity: text(spec['holderIdentity']),
      leaseDurationSeconds: number(spec['leaseDurationSeconds']),
      renewTime: text(spec['renewTime']),
      acquireTime: text(spec['acquireTime']),
      leaseTransitions: number(spec['leaseTransitions']),
    },
    resourceVersion: text(metadata['resourceVersion']) ?? '',
  };
}

/**
 * LeaderElection elects one replica with a coordination.k8s.io/v1 Lease, as client-go does:
 * create it, renew it while holding it, take it over once its holder stopped renewing for a whole
 * lease duration. Writes carry the resourceVersion read, so two replicas never both win.
 */
export class LeaderElection {
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** attempt is the acquire-or-renew in flight, if any; it resolves to whether this replica holds the lease. */
  private attempt: Promise<boolean> | undefined;
  /** namespaceMissingLoggedAt is when the missing namespace was last reported, while it is missing. */
  private namespaceMissingLoggedAt: number | undefined;

  constructor(private readonly options: LeaderElectionOptions) {}

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      this.attempt = this.tryAcquireOrRenew().catch((error: unknown) => {
        this.options.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'leader election: lease update failed');
        return false;
      });
      const leading = await this.attempt;
      this.attempt = undefined;
      // stop() may have run while the attempt was in flight: a stopped replica never leads again.
      if (this.stopped) return;
      this.setLeading(leading);
      this.timer = setTimeout(() => void tick(), this.options.retryMs ?? 2_000);
    };
    void tick();
  }

  /**
   * stop ends the election at once (onStoppedLeading runs now), then releases the lease if this
   * replica holds it, as client-go's ReleaseOnCancel does: the next replica takes over within its
   * retry period instead of waiting a whole lease duration.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const wasLeading = this.leading;
    this.setLeading(false);
    const heldByLastAttempt = (await this.attempt) ?? false;
    if (!wasLeading && !heldByLastAttempt) return;
    await this.release().catch((error: unknown) => {
      this.options.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'leader election: could not release the lease; the next leader waits for it to expire');
    });
  }

  /** release empties the lease's holder, only if this replica still holds it (the write carries the resourceVersion read). */
  private async release(): Promise<void> {
    const { client, identity, name } = this.options;
    const current = await client.request('GET', this.path(name));
    if (current.status !== 200) throw new Error(`GET lease: HTTP ${current.status}`);
    const { spec, resourceVersion } = specOf(current.body);
    if (spec.holderIdentity !== identity) return;
    const now = microTime((this.options.now ?? Date.now)());
    const released = await client.request('PUT', this.path(name), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: this.options.namespace, resourceVersion },
      spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now },
    });
    if (released.status !== 200) throw new Error(`PUT lease: HTTP ${released.status}`);
    this.options.logger.info({ identity, lease: `${this.options.namespace}/${name}` }, 'leader election: lease released');
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.logger.info({ identity: this.options.identity, lease: `${this.options.namespace}/${this.options.name}` }, leading ? 'leader election: now leading' : 'leader election: no longer leading');
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  /**
   * reportMissingNamespace says, at most once per repeatErrorMs, that the Lease cannot be created
   * because its namespace does not exist: no replica can lead, so nothing is provisioned or
   * repaired, and without this line nothing would say so.
   */
  private reportMissingNamespace(now: number): void {
    const last = this.namespaceMissingLoggedAt;
    if (last !== undefined && now - last < (this.options.repeatErrorMs ?? 60_000)) return;
    this.namespaceMissingLoggedAt = now;
    const { namespace, name, identity } = this.options;
    this.options.logger.error(
      { identity, lease: `${namespace}/${name}`, namespace },
      `leader election: namespace "${namespace}" does not exist, so the Lease cannot be created and no replica leads: nothing is provisioned or repaired. Create the namespace (kubectl create namespace ${namespace}), or run netfence in a namespace that exists (POD_NAMESPACE, else the config's namespace)`,
    );
  }

  private path(name?: string): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  /** tryAcquireOrRenew makes one attempt and says whether this replica holds the lease now. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, identity, name } = this.options;
    const now = (this.options.now ?? Date.now)();
    const duration = this.options.leaseSeconds ?? 15;
    const current = await client.request('GET', this.path(name));
    if (current.status === 404) {
      // No Lease yet (a 404 on GET names the lease, whether or not its namespace exists): create it.
      const created = await client.request('POST', this.path(), {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: this.options.namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: duration, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      });
      if (created.status === 201 || created.status === 200) {
        this.namespaceMissingLoggedAt = undefined;
        return true;
      }
      if (created.status === 409) return false; // another replica created it first
      if (created.status === 404 && namesNamespace(created.body, this.options.namespace)) {
        this.reportMissingNamespace(now);
        return false;
      }
      throw new Error(`POST lease: HTTP ${created.status}${statusMessage(created.body)}`);
    }
    if (current.status !== 200) throw new Error(`GET lease: HTTP ${current.status}`);
    const { spec, resourceVersion } = specOf(current.body);
    const held = spec.holderIdentity === identity;
    const renewed = spec.renewTime === undefined ? 0 : Date.parse(spec.renewTime);
    const expired = now > renewed + (spec.leaseDurationSeconds ?? duration) * 1000;
    if (!held && !expired && spec.holderIdentity !== undefined && spec.holderIdentity !== '') return false;
    const next: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: duration,
      renewTime: microTime(now),
      acquireTime: held ? spec.acquireTime ?? microTime(now) : microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (held ? 0 : 1),
    };
    const updated = await client.request('PUT', this.path(name), {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: this.options.namespace, resourceVersion },
      spec: next,
    });
    return updated.status === 200; // 409: another replica wrote first
  }
}
