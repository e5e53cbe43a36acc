import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Metrics are netfence's Prometheus metrics, in a registry of their own per app (so tests and
 * several apps in one process do not share counters).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'netfence_admission_requests_total',
    help: 'Admission requests by webhook, resource, operation, decision (allow, deny, skip, error) and mode.',
    labelNames: ['webhook', 'resource', 'operation', 'decision', 'mode'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'netfence_admission_duration_seconds',
    help: 'Time to answer an admission request, from parsed body to response.',
    labelNames: ['webhook'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly findings = new Counter({
    name: 'netfence_findings_total',
    help: 'Guardrail findings by rule, severity and the namespace mode they were found in.',
    labelNames: ['rule', 'severity', 'mode'] as const,
    registers: [this.registry],
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

  constructor(options: { processMetrics: boolean } = { processMetrics: true }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'netfence_' });
  }
}
