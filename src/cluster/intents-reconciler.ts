import type { Config } from '../guardrails/config.js';
import { resolveEssentialServices } from '../guardrails/resolve-essential-services.js';
import type { EssentialServices } from '../guardrails/resolve-essential-services.js';
import { ownedText, planIntents, wouldClose } from '../intents/intents-plan.js';
import type { IntentsPlan, NamespaceIntentsPlan } from '../intents/intents-plan.js';
import { intentsId } from '../model/client-intents.js';
import type { ClusterState } from '../model/cluster-state.js';
import { policyId } from '../model/network-policy.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { ClusterCache } from './cluster-cache.js';
import { recordEvent } from './events.js';
import type { EventSubject, EventType } from './events.js';
import type { IntentsCache, LiveIntents } from './intents-cache.js';
import type { KubeClient } from './kube-client.js';
import { PolicyWriter } from './policy-writer.js';
import type { ReconcilerLogger } from './reconciler.js';
import { DEFAULT_REPAIR_LIMIT, RepairBudget } from './repair-budget.js';
import type { RepairLimit } from './repair-budget.js';
import { SerialPasses } from './serial-passes.js';

/** IntentsReconcilerOptions wire the intents reconciler. */
export interface IntentsReconcilerOptions {
  readonly client: KubeClient;
  readonly cache: ClusterCache;
  readonly intents: IntentsCache;
  readonly config: Config;
  readonly logger: ReconcilerLogger;
  /** essentials: the essential services resolved from the cluster cache (serve hands in the admission context's, cached). */
  readonly essentials?: () => EssentialServices;
  /** debounceMs groups bursts of watch events into one pass. */
  readonly debounceMs?: number;
  /** fight: more repairs of one policy than `repairs` within `windowMs` means another controller fights back. */
  readonly fight?: RepairLimit;
  readonly now?: () => number;
}

/** MAX_LISTED: how many closed connections an audit report names before it counts the rest. */
const MAX_LISTED = 10;

/**
 * IntentsReconciler keeps the NetworkPolicies that the cluster's ClientIntents call for, as the
 * baseline reconciler keeps baselines: each pass generates them from the live state and proves them
 * (a set that cannot be proven is written nowhere: its failures are logged and said in a Warning
 * Event on each of its ClientIntents), creates the missing ones, replaces those that drifted,
 * deletes generated policies that no intents call for any more, and records Events on the
 * ClientIntents (`IntentsApplied` naming the policies written; Warnings for what the generator left
 * out). In a namespace in audit mode it writes nothing and reports what it would change and which
 * connections that would close; in one that is off, exempt or being deleted it writes nothing. It
 * acts only once the ClientIntents and workloads have been listed, so it never takes a cache that
 * is still filling for intents that went away.
 */
export class IntentsReconciler {
  private readonly passes: SerialPasses;
  private readonly writer: PolicyWriter;
  private readonly budget: RepairBudget;
  /** said: the last message of each kind of report per ClientIntents (uid or id) or namespace, so a standing condition is reported once, not every pass. */
  private readonly said = new Map<string, string>();
  /** lastWritten: what this process last wrote of each generated policy (its owned text), to tell a repair from a change of intents. */
  private readonly lastWritten = new Map<string, string>();
  /** contested: generated policies netfence stopped repairing, another controller changing them back. */
  private readonly contested = new Set<string>();
  private readonly limit: RepairLimit;

  constructor(private readonly options: IntentsReconcilerOptions) {
    this.passes = new SerialPasses(() => this.reconcileAll(), options.debounceMs ?? 200);
    this.writer = new PolicyWriter(options.client);
    this.limit = options.fight ?? DEFAULT_REPAIR_LIMIT;
    this.budget = new RepairBudget(this.limit, options.now);
  }

  /** notify asks for a pass soon (call it on every change of either cache); passes never overlap. */
  notify(): void {
    this.passes.notify();
  }

  stop(): void {
    this.passes.stop();
  }

  /** reconcileAll runs one pass; a failure (a bug) is logged and retried, never thrown out of the pass. */
  private async reconcileAll(): Promise<void> {
    await this.reconcile().catch((error: unknown) => {
      this.options.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'intents: reconcile pass failed; will retry');
      this.passes.notifyLater(5_000);
    });
  }

  private async reconcile(): Promise<void> {
    const { cache, intents: intentsCache, config, logger } = this.options;
    if (!cache.synced() || !intentsCache.synced()) return;
    const state = intentsCache.state(cache.snapshot());
    const live = intentsCache.intents();
    const read = live.flatMap((item) => (item.kind === 'read' ? [item] : []));
    const essentials = this.options.essentials?.() ?? resolveEssentialServices(state, config);
    const plan = planIntents(state, read.map((item) => item.intents), config, essentials);
    const subjects = new Map(read.map((item) => [intentsId(item.intents), subjectOf(item)]));
    const current = new Set<string>();
    const report = async (id: string, type: EventType, reason: string, message: string): Promise<void> => {
      const subject = subjects.get(id);
      if (subject !== undefined) await this.reportOnce(`${subject.uid ?? id}\u0000${reason}`, current, subject, type, reason, message);
    };

    for (const item of live) {
      if (item.kind !== 'unreadable') continue;
      const subject = subjectOf(item);
      await this.reportOnce(`${item.uid ?? `${item.namespace}/${item.name}`}\u0000IntentsInvalid`, current, subject, 'Warning', 'IntentsInvalid', `netfence cannot read this ClientIntents (${item.error}): it calls for no policy`);
    }
    for (const [id, notices] of plan.notices) if (notices.length > 0) await report(id, 'Warning', 'IntentsNotice', notices.join('; '));
    for (const set of plan.sets) {
      const failures = set.failures;
      if (failures.length === 0) continue;
      const key = `set\u0000${set.intents.join(',')}`;
      const text = failures.join('; ');
      if (this.said.get(key) !== text) logger.error({ intents: set.intents, policies: set.policies.map(policyId), failures }, 'intents: the generated policies are not proven; netfence writes none of them');
      this.said.set(key, text);
      current.add(key);
      for (const id of set.intents) await report(id, 'Warning', 'IntentsNotProven', `netfence wrote none of the policies for these intents: they are not proven (${text})`);
    }

    // A proven policy already in place counts as written: the first edit or delete of it is a repair.
    const pending = new Set(plan.namespaces.flatMap((namespacePlan) => [...namespacePlan.create, ...namespacePlan.replace].map(policyId)));
    for (const set of plan.sets) {
      if (set.failures.length > 0) continue;
      for (const policy of set.policies) if (!pending.has(policyId(policy)) && !this.lastWritten.has(policyId(policy))) this.lastWritten.set(policyId(policy), ownedText(policy));
    }
    const written = new Map<string, string[]>();
    for (const namespacePlan of plan.namespaces) {
      if (this.passes.stopped) return;
      await this.reconcileNamespace(state, plan, namespacePlan, written, report, current).catch((error: unknown) => {
        logger.warn({ namespace: namespacePlan.namespace, error: error instanceof Error ? error.message : String(error) }, 'intents: reconcile failed; will retry');
        this.passes.notifyLater();
      });
    }
    for (const [id, policies] of plan.policiesOf) {
      const lines = policies.flatMap((policy) => written.get(policy) ?? []);
      if (lines.length > 0) await report(id, 'Normal', 'IntentsApplied', `netfence applied the policies these intents call for: ${lines.join(', ')}`);
      const contested = policies.filter((policy) => this.contested.has(policy));
      if (contested.length > 0) await report(id, 'Warning', 'IntentsContested', `netfence stopped repairing ${contested.join(', ')}: changed back more than ${this.limit.repairs} times within ${Math.round(this.limit.windowMs / 1000)}s (another controller?)`);
    }
    // Forget what was said about what is gone, so that it is said again if it comes back.
    for (const key of this.said.keys()) if (!current.has(key)) this.said.delete(key);
  }

  private async reconcileNamespace(
    state: ClusterState,
    plan: IntentsPlan,
    namespacePlan: NamespaceIntentsPlan,
    written: Map<string, string[]>,
    report: (id: string, type: EventType, reason: string, message: string) => Promise<void>,
    current: Set<string>,
  ): Promise<void> {
    const { namespace, action, create, replace, remove } = namespacePlan;
    const { logger } = this.options;
    const changes = { created: create.map((policy) => policy.name), replaced: replace.map((policy) => policy.name), removed: remove };
    if (create.length + replace.length + remove.length === 0) return;
    switch (action) {
      case 'enforce': {
        for (const policy of create) await this.write(policy, 'created', written);
        for (const policy of replace) await this.write(policy, 'updated', written);
        for (const name of remove) {
          await this.writer.remove(namespace, name);
          this.lastWritten.delete(`${namespace}/${name}`);
        }
        logger.info({ namespace, ...changes }, 'intents reconciled');
        return;
      }
      case 'audit': {
        const key = `audit\u0000${namespace}`;
        current.add(key);
        const summary = JSON.stringify(changes);
        if (this.said.get(key) === summary) return;
        this.said.set(key, summary);
        const closed = wouldClose(state, namespacePlan);
        const closes = closed.length === 0 ? 'it would close no connection' : `it would close ${closed.slice(0, MAX_LISTED).map((connection) => `${connection.from} -> ${connection.to} (${connection.ports})`).join('; ')}${closed.length > MAX_LISTED ? `; and ${closed.length - MAX_LISTED} more` : ''}`;
        const would = [
          ...(create.length > 0 ? [`create ${changes.created.join(', ')}`] : []),
          ...(replace.length > 0 ? [`replace ${changes.replaced.join(', ')}`] : []),
          ...(remove.length > 0 ? [`delete ${remove.join(', ')}`] : []),
        ].join('; ');
        logger.info({ namespace, mode: 'audit', ...changes, wouldClose: closed }, `intents: namespace ${namespace} is in audit mode: netfence writes nothing there; it would ${would}`);
        const message = `namespace ${namespace} is in audit mode: netfence wrote nothing there; it would ${would}, and ${closes}`;
        const policies = new Set([...create, ...replace].map(policyId));
        for (const [id, ofIntents] of plan.policiesOf) if (ofIntents.some((policy) => policies.has(policy))) await report(id, 'Normal', 'IntentsAudited', message);
        return;
      }
      case 'off':
      case 'exempt':
      case 'terminating':
        // Off and terminating: netfence does nothing there. Exempt: the plan's notices say so on the ClientIntents.
        return;
    }
  }

  /**
   * write creates or replaces a generated policy. Writing again what this process wrote last is a
   * repair (someone edited or deleted it): counted, so that netfence stops fighting a controller
   * that keeps changing it back. A policy that changed because its intents did is no repair.
   */
  private async write(policy: NetworkPolicy, how: 'created' | 'updated', written: Map<string, string[]>): Promise<void> {
    const id = policyId(policy);
    const text = ownedText(policy);
    const repair = this.lastWritten.get(id) === text;
    if (repair && this.fighting(id)) return;
    if (how === 'created') await this.writer.create(policy);
    else await this.writer.replace(policy);
    this.lastWritten.set(id, text);
    written.set(id, [...(written.get(id) ?? []), `${id} (${repair ? 'repaired' : how})`]);
  }

  /** fighting records a repair and says whether this policy is being changed back too often. */
  private fighting(key: string): boolean {
    const verdict = this.budget.repair(key);
    if (verdict.kind === 'ok') return false;
    if (verdict.kind === 'contested') {
      this.contested.add(key);
      this.options.logger.error({ policy: key, repairs: verdict.repairs, windowMs: this.budget.windowMs }, 'intents: another controller keeps changing this generated policy; netfence stops repairing it');
    }
    return true;
  }

  /** reportOnce records an Event unless the same was said last time under `key` (a standing condition is reported once). */
  private async reportOnce(key: string, current: Set<string>, subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    current.add(key);
    if (reason !== 'IntentsApplied' && this.said.get(key) === message) return;
    this.said.set(key, message);
    const failure = await recordEvent(this.options.client, subject, type, reason, message, (this.options.now ?? Date.now)());
    if (failure !== undefined) this.options.logger.warn({ intents: `${subject.namespace ?? ''}/${subject.name}`, reason, error: failure }, 'could not record an event');
  }
}

function subjectOf(item: LiveIntents): EventSubject {
  const base = item.kind === 'read' ? { apiVersion: item.intents.apiVersion, name: item.intents.name, namespace: item.intents.namespace } : { apiVersion: item.apiVersion, name: item.name, namespace: item.namespace };
  return { ...base, kind: 'ClientIntents', ...(item.uid === undefined ? {} : { uid: item.uid }) };
}

