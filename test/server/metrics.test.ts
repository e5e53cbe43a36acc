import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/server/metrics.js';

const request = { webhook: 'validate', resource: 'networkpolicies', operation: 'CREATE', decision: 'allow', mode: 'enforce' };

describe('Metrics', () => {
  it('counts requests and findings per label set, the same totals on every scrape', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.countRequest(request);
    metrics.countRequest(request);
    metrics.countRequest({ ...request, decision: 'deny' });
    metrics.countFinding({ rule: 'essential-egress', severity: 'deny', mode: 'enforce' });
    const first = await metrics.registry.metrics();
    expect(first).toContain('netfence_admission_requests_total{webhook="validate",resource="networkpolicies",operation="CREATE",decision="allow",mode="enforce"} 2');
    expect(first).toContain('netfence_admission_requests_total{webhook="validate",resource="networkpolicies",operation="CREATE",decision="deny",mode="enforce"} 1');
    expect(first).toContain('netfence_findings_total{rule="essential-egress",severity="deny",mode="enforce"} 1');
    // A scrape hands over totals, not increments: scraping again changes nothing, counting again adds.
    expect(await metrics.registry.metrics()).toBe(first);
    metrics.countRequest(request);
    expect(await metrics.registry.metrics()).toContain('decision="allow",mode="enforce"} 3');
  });

  it('keeps label sets apart whatever their values contain', async () => {
    const metrics = new Metrics({ processMetrics: false });
    // Values that would collide if the key were their plain concatenation with a space.
    metrics.countFinding({ rule: 'a b', severity: 'c', mode: 'enforce' });
    metrics.countFinding({ rule: 'a', severity: 'b c', mode: 'enforce' });
    const text = await metrics.registry.getSingleMetricAsString('netfence_findings_total');
    expect(text).toContain('netfence_findings_total{rule="a b",severity="c",mode="enforce"} 1');
    expect(text).toContain('netfence_findings_total{rule="a",severity="b c",mode="enforce"} 1');
  });
});
