import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ADOPTION_KINDS } from '../guardrails/adoption.js';
import type { AdoptionCounts } from '../guardrails/adoption.js';

/** RequestLabels are the labels of one admission request in netfence_admission_requests_total. */
export interface RequestLabels {
  readonly webhook: string;
  readonly resource: string;
  readonly operation: string;
  readonly decision: string;
  readonly mode: string;
}

/** FindingLabels are the labels of one finding in netfence_findings_total. */
export interface FindingLabels {
  readonly rule: string;
  readonly severity: string;
  readonly mode: string;
}

/**
 * Tally counts label sets itself and hands the totals to a prom-client Counter when it is scraped.
 * prom-client checks and hashes the label object on every inc (0.65 µs with five labels, the larger
 * part of a request's metrics); a Map lookup takes a tenth of that. Label values are few and
 * NUL-free (rule ids and fixed words; callers map anything open-ended to "other"), so a NUL-joined
 * key tells label sets apart and the Map stays small.
 */
class Tally<L extends object> {
  private readonly counts = new Map<string, { readonly labels: L; count: number }>();

  constructor(private readonly keyOf: (labels: L) => string) {}

  add(labels: L): void {
    const key = this.keyOf(labels);
    const entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, { labels: { ...labels }, count: 1 });
    else entry.count += 1;
  }

  /** copyTo sets the counter to the totals. */
  copyTo(counter: Counter<keyof L & string>): void {
    counter.reset();
    for (const { labels, count } of this.counts.values()) counter.inc(labels, count);
  }
}

/** COUNT_BATCH: requests are counted this many at a time, and at every scrape. */
export const COUNT_BATCH = 64;

/**
 * Metrics are netfence's Prometheus metrics, in a registry of their own per app (so tests and
 * several apps in one process do not share counters). Admission requests and findings are counted
 * in batches: countRequest and countFinding keep what they are given, and the tallies and the
 * duration histogram take it COUNT_BATCH at a time, and before every scrape, so a scrape sees every
 * request counted before it. Counting (0.4 µs a request in a loop of its own) and the decision
 * line (1.2 µs, as one JSON.stringify) cost the server far more when done on each request, their
 * code and data cold after a whole request's worth of TLS, HTTP and rules: batching both took
 * netfence's CPU per request at full load from 52-56 to 46-49 µs (bare fastify 29-32; three
 * interleaved A/B runs).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requestTally = new Tally<RequestLabels>((l) => `${l.webhook}\0${l.resource}\0${l.operation}\0${l.decision}\0${l.mode}`);
  private readonly findingTally = new Tally<FindingLabels>((l) => `${l.rule}\0${l.severity}\0${l.mode}`);
  private pendingRequests: { readonly labels: RequestLabels; readonly seconds: number }[] = [];
  private pendingFindings: FindingLabels[] = [];
  private readonly requests: Counter<keyof RequestLabels & string> = new Counter({
    name: 'netfence_admission_requests_total',
    help: 'Admission requests by webhook, resource, operation, decision (allow, deny, skip, error) and mode.',
    labelNames: ['webhook', 'resource', 'operation', 'decision', 'mode'] as const,
    registers: [this.registry],
    collect: (): void => {
      this.countPending();
      this.requestTally.copyTo(this.requests);
    },
  });
  private readonly duration = new Histogram({
    name: 'netfence_admission_duration_seconds',
    help: 'Time to answer an admission request, from parsed body to response.',
    labelNames: ['webhook'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
    collect: (): void => this.countPending(),
  });
  private readonly findings: Counter<keyof FindingLabels & string> = new Counter({
    name: 'netfence_findings_total',
    help: 'Guardrail findings by rule, severity and the namespace mode they were found in.',
    labelNames: ['rule', 'severity', 'mode'] as const,
    registers: [this.registry],
    collect: (): void => {
      this.countPending();
      this.findingTally.copyTo(this.findings);
    },
  });

  readonly baselineProvisioned = new Counter({
    name: 'netfence_baseline_provisioned_total',
    help: 'Namespaces whose baseline policies netfence provisioned.',
    registers: [this.registry],
  });
  readonly baselineRepaired = new Counter({
    name: 'netfence_baseline_repaired_total',
    help: 'Repairs of drifted or deleted baseline policies.',
    registers: [this.registry],
  });
  /** leader is 1 while this replica holds the Lease (only the leader provisions and repairs), else 0. */
  readonly leader = new Gauge({
    name: 'netfence_leader',
    help: 'Whether this replica is the leader (1), the one that provisions and repairs baselines, or not (0).',
    registers: [this.registry],
  });

  /** adoptionSource counts namespaces by adoption at each scrape; none until a state is served. */
  private adoptionSource: (() => AdoptionCounts) | undefined;
  private readonly namespaces: Gauge<'adoption'> = new Gauge({
    name: 'netfence_namespaces',
    help: 'Namespaces by adoption: adopted (netfence keeps their baseline), not-adopted (no netfence.io/baseline label: nothing written), opted-out, exempt.',
    labelNames: ['adoption'] as const,
    registers: [this.registry],
    collect: (): void => {
      const counts = this.adoptionSource?.();
      if (counts === undefined) return;
      for (const kind of ADOPTION_KINDS) this.namespaces.set({ adoption: kind }, counts[kind]);
    },
  });

  constructor(options: { processMetrics: boolean } = { processMetrics: true }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'netfence_' });
  }

  /** countAdoption makes every scrape count the namespaces by adoption with `source`. */
  countAdoption(source: () => AdoptionCounts): void {
    this.adoptionSource = source;
  }

  /** countRequest counts one admission request, answered in `seconds`. */
  countRequest(labels: RequestLabels, seconds: number): void {
    if (this.pendingRequests.push({ labels, seconds }) >= COUNT_BATCH) this.countPending();
  }

  /** countFinding counts one finding. */
  countFinding(labels: FindingLabels): void {
    if (this.pendingFindings.push(labels) >= COUNT_BATCH) this.countPending();
  }

  private countPending(): void {
    for (const { labels, seconds } of this.pendingRequests) {
      this.requestTally.add(labels);
      this.duration.observe({ webhook: labels.webhook }, seconds);
    }
    for (const labels of this.pendingFindings) this.findingTally.add(labels);
    this.pendingRequests = [];
    this.pendingFindings = [];
  }
}
