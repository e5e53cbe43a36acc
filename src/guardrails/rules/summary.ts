import type { RuleId } from '../finding.js';

/** MAX_WARNING is the longest warning line netfence sends: kubectl prints it on one line. */
export const MAX_WARNING = 119;

/** summaryLine makes a finding's one-line warning: `[rule] text`, cut to MAX_WARNING characters. */
export function summaryLine(rule: RuleId, text: string): string {
  const line = `[${rule}] ${text}`.replace(/\s+/g, ' ');
  return line.length <= MAX_WARNING ? line : `${line.slice(0, MAX_WARNING - 1)}…`;
}
