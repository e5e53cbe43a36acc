import type { RuleId } from '../finding.js';

/** MAX_WARNING is the longest warning line netfence sends: kubectl prints it on one line. */
export const MAX_WARNING = 119;

/**
 * summaryLine makes a finding's one-line warning: `[rule] text`, at most MAX_WARNING characters.
 * A longer line is cut at the last space that fits and ends with `…`, never in the middle of a word.
 */
export function summaryLine(rule: RuleId, text: string): string {
  const line = `[${rule}] ${text}`.replace(/\s+/g, ' ').trim();
  if (line.length <= MAX_WARNING) return line;
  const room = line.slice(0, MAX_WARNING); // the last character is the ellipsis's place
  const space = room.lastIndexOf(' ');
  const cut = space > rule.length + 3 ? room.slice(0, space) : room.slice(0, MAX_WARNING - 1);
  return `${cut.replace(/[\s,;:(]+$/, '')}…`;
}
