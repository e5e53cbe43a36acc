import { describe, expect, it } from 'vitest';
import { COUNT_BATCH, Metrics } from '../../src/server/metrics.js';

const request = { webhook: 'validate', resource: 'networkpolicies', operation: 'CREATE', decision: 'allow', mode: 'enforce' };

describe('Metrics', () => {
  it('counts requests and findings per label set, the same totals on every scrape', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.countRequest(request, 0.002);
    metrics.countRequest(request, 0.002);
    metrics.countRequest({ ...request, decision: 'deny' }, 0.002);
    metrics.countFinding({ rule: 'essential-egress', severity: 'deny', mode: 'enforce' });
    const first = await metrics.registry.metrics();
    expect(first).toContain('netfence_admission_requests_total{webhook="validate",resource="networkpolicies",operation="CREATE",decision="allow",mode="enforce"} 2');
    expect(first).toContain('netfence_admission_requests_total{webhook="validate",resource="networkpolicies",operation="CREATE",decision="deny",mode="enforce"} 1');
    expect(first).toContain('netfence_findings_total{rule="essential-egress",severity="deny",mode="enforce"} 1');
    // A scrape hands over totals, not increments: scraping again changes nothing, counting again adds.
    expect(await metrics.registry.metrics()).toBe(first);
    metrics.countRequest(request, 0.002);
    expect(await metrics.registry.metrics()).toContain('decision="allow",mode="enforce"} 3');
  });

  it('counts what was counted before a scrape, in batches or not, durations included', async () => {
    const metrics = new Metrics({ processMetrics: false });
    // Two whole batches and a part of one, so some requests wait to be counted when the scrape comes.
    const count = 2 * COUNT_BATCH + 3;
    for (let i = 0; i < count; i++) metrics.countRequest({ ...request, webhook: i % 2 === 0 ? 'validate' : 'mutate' }, i < 10 ? 0.0001 : 0.3);
    const text = await metrics.registry.metrics();
    expect(text).toContain(`netfence_admission_requests_total{webhook="validate",resource="networkpolicies",operation="CREATE",decision="allow",mode="enforce"} ${Math.ceil(count / 2)}`);
    expect(text).toContain(`netfence_admission_requests_total{webhook="mutate",resource="networkpolicies",operation="CREATE",decision="allow",mode="enforce"} ${Math.floor(count / 2)}`);
    expect(text).toContain(`netfence_admission_duration_seconds_count{webhook="validate"} ${Math.ceil(count / 2)}`);
    expect(text).toContain('netfence_admission_duration_seconds_bucket{le="0.0005",webhook="validate"} 5');
    expect(text).toContain('netfence_admission_duration_seconds_bucket{le="0.25",webhook="mutate"} 5');
    expect(text).toContain(`netfence_admission_duration_seconds_bucket{le="1",webhook="mutate"} ${Math.floor(count / 2)}`);
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
