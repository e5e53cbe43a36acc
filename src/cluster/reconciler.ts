import { isBaselinePolicy } from '../guardrails/baseline.js';
import { planBaseline } from '../guardrails/baseline-plan.js';
import type { Config } from '../guardrails/config.js';
import type { Namespace } from '../model/namespace.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { ClusterCache } from './cluster-cache.js';
import { recordEvent } from './events.js';
import type { EventType } from './events.js';
import type { KubeClient } from './kube-client.js';
import { PolicyWriter } from './policy-writer.js';
import type { ReflectorLogger } from './reflector.js';
import { RepairBudget } from './repair-budget.js';
import type { RepairLimit } from './repair-budget.js';
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
  readonly fight?: RepairLimit;
  readonly now?: () => number;
}

/**
 * Reconciler provisions every namespace's baseline policies and repairs them when they drift:
 * created when missing (new namespaces, and those that existed before netfence or appeared while
 * it was down), replaced when edited (with conflict retries), switched when the profile label
 * changes, removed on opt-out. It leaves terminating namespaces alone, and stops repairing a
 * policy that another controller keeps changing back, reporting it instead of fighting.
 */
export class Reconciler {
  private readonly passes: SerialPasses;
  private readonly writer: PolicyWriter;
  private readonly budget: RepairBudget;
  /** provisioned: namespaces whose baseline this process has seen in place (a later create is a repair). */
  private readonly provisioned = new Set<string>();

  constructor(private readonly options: ReconcilerOptions) {
    this.passes = new SerialPasses(() => this.reconcileAll(), options.debounceMs ?? 100);
    this.writer = new PolicyWriter(options.client);
    this.budget = new RepairBudget(options.fight, options.now);
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
    const hadManaged = this.provisioned.has(namespace.name) || policies.some((policy) => isBaselinePolicy(policy.labels));
    if (plan.create.length > 0 || hadManaged) this.provisioned.add(namespace.name);
    if (create.length + replace.length + remove.length === 0) return;
    // A policy created again in a provisioned namespace, or replaced, is a repair: watch for fights.
    for (const policy of create) if (!hadManaged || !this.fighting(namespace, policy)) await this.writer.create(policy);
    for (const policy of replace) if (!this.fighting(namespace, policy)) await this.writer.replace(policy);
    for (const name of remove) await this.writer.remove(namespace.name, name);
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
    const verdict = this.budget.repair(key);
    if (verdict.kind === 'ok') return false;
    if (verdict.kind === 'contested') {
      const windowMs = this.budget.windowMs;
      this.options.logger.error({ policy: key, repairs: verdict.repairs, windowMs }, 'baseline: another controller keeps changing this managed policy; netfence stops repairing it');
      void this.event(namespace, 'Warning', 'BaselineContested', `netfence stopped repairing ${policy.name}: it was changed back ${verdict.repairs} times within ${Math.round(windowMs / 1000)}s (another controller?)`);
    }
    return true;
  }

  /**
   * event records an Event about a namespace. A Namespace is cluster-scoped, so the API server keeps
   * Events about it in `default`; the namespace's uid lets `kubectl events --for` find them.
   */
  private async event(namespace: Namespace, type: EventType, reason: string, message: string): Promise<void> {
    const subject = { apiVersion: 'v1', kind: 'Namespace', name: namespace.name, ...(namespace.uid === undefined ? {} : { uid: namespace.uid }) };
    const failure = await recordEvent(this.options.client, subject, type, reason, message, (this.options.now ?? Date.now)());
    if (failure !== undefined) this.options.logger.warn({ namespace: namespace.name, reason, error: failure }, 'could not record an event');
  }
}
