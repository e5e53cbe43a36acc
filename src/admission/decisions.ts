import { stringify } from 'yaml';
import type { Mode } from '../guardrails/config.js';
import type { Finding } from '../guardrails/finding.js';
import { findingJson } from '../guardrails/finding-json.js';
import type { Review } from '../guardrails/review.js';
import { allowed, denied, withAuditAnnotations, withWarnings } from './admission-response.js';
import type { Response } from './admission-response.js';

/** Decision is what a handler decided, for the response, the log line and the metrics. */
export interface Decision {
  readonly response: Response;
  readonly decision: 'allow' | 'deny' | 'skip' | 'error';
  readonly mode: Mode | undefined;
  readonly findings: readonly Finding[];
}

/**
 * decisionOf turns a review into the admission response. Enforce: deny-severity findings deny with
 * the full explanation (and the fix) in the status message, the rest are warnings. Audit: allowed,
 * every finding a warning. Both record mode, decision and findings as audit annotations.
 */
export function decisionOf(review: Review): Decision {
  if (review.skipped !== undefined) {
    return { response: allowed(), decision: 'skip', mode: review.mode, findings: [] };
  }
  const notes = review.notes ?? [];
  // The common answer, allowed without findings: one shared response per mode.
  if (review.findings.length === 0 && notes.length === 0) return { response: CLEAN_ALLOW[review.mode], decision: 'allow', mode: review.mode, findings: review.findings };
  const denying = review.findings.filter((finding) => finding.severity === 'deny');
  const isDenied = !review.allowed;
  const base = isDenied ? denied(denialMessage(denying)) : allowed();
  const warnings = [...review.findings.filter((finding) => !isDenied || finding.severity === 'warn').map((finding) => finding.summary), ...notes];
  const annotations: Record<string, string> = { mode: review.mode, decision: isDenied ? 'deny' : 'allow' };
  if (review.findings.length > 0) annotations['findings'] = JSON.stringify(review.findings.map(findingJson));
  return {
    response: withAuditAnnotations(withWarnings(base, warnings), annotations),
    decision: isDenied ? 'deny' : 'allow',
    mode: review.mode,
    findings: review.findings,
  };
}

const cleanAllow = (mode: Mode): Response => withAuditAnnotations(allowed(), { mode, decision: 'allow' });
const CLEAN_ALLOW: Readonly<Record<Mode, Response>> = { enforce: cleanAllow('enforce'), audit: cleanAllow('audit'), off: cleanAllow('off') };

/**
 * denialMessage is what kubectl prints after "denied the request:". Its first line says what and
 * why in one finding's summary (under 120 characters, so the line stays under ~200 with kubectl's
 * prefix); the full explanations follow, then the policy to apply as YAML.
 */
export function denialMessage(findings: readonly Finding[]): string {
  const [first] = findings;
  if (first === undefined) return 'netfence: denied';
  const more = findings.length > 1 ? ` (and ${findings.length - 1} more)` : '';
  const lines = [`netfence: ${first.summary}${more}`, ...findings.map((finding) => `[${finding.rule}] ${finding.message}`)];
  const fix = findings.find((finding) => finding.fix !== undefined)?.fix;
  if (fix !== undefined) lines.push('Policy to apply (kubectl apply -f -):', stringify(fix).trimEnd());
  return lines.join('\n');
}
