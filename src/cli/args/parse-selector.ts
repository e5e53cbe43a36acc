import type { LabelSelector, Requirement } from '../../model/selector.js';

/**
 * parseLabelSelector reads a label selector as kubectl's `-l` takes it: requirements separated by
 * commas, all of which must hold: `app=web` (or `==`), `app!=web` (also true of pods without the
 * key), `tier in (frontend,backend)`, `tier notin (data)`, `app` (the key exists) and `!app` (it
 * does not). The empty text selects every pod. Returns the selector, or what is wrong with it.
 */
export function parseLabelSelector(text: string): { selector: LabelSelector } | { error: string } {
  const matchLabels = new Map<string, string>();
  const matchExpressions: Requirement[] = [];
  for (const raw of splitRequirements(text)) {
    const part = raw.trim();
    if (part === '') {
      if (text.trim() === '') continue;
      return { error: 'an empty requirement (two commas in a row, or one at an end)' };
    }
    const set = /^([^\s!=(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (set !== null) {
      const [, key = '', operator, list = ''] = set;
      const values = list.split(',').map((value) => value.trim());
      if (values.some((value) => !isValue(value) || value === '')) return { error: `${JSON.stringify(part)}: the values in ( ) must be label values, separated by commas` };
      const keyError = checkKey(key);
      if (keyError !== undefined) return { error: keyError };
      matchExpressions.push({ key, operator: operator === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    const equality = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(part);
    if (equality !== null) {
      const [, key = '', operator, value = ''] = equality;
      const keyError = checkKey(key);
      if (keyError !== undefined) return { error: keyError };
      if (!isValue(value)) return { error: `${JSON.stringify(value)} is not a label value (up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit)` };
      if (operator === '!=') matchExpressions.push({ key, operator: 'NotIn', values: [value] });
      else if (matchLabels.has(key) && matchLabels.get(key) !== value) matchExpressions.push({ key, operator: 'In', values: [value] });
      else matchLabels.set(key, value);
      continue;
    }
    const exists = /^(!?)\s*([^\s!=(),]+)$/.exec(part);
    if (exists !== null) {
      const [, not, key = ''] = exists;
      const keyError = checkKey(key);
      if (keyError !== undefined) return { error: keyError };
      matchExpressions.push({ key, operator: not === '!' ? 'DoesNotExist' : 'Exists', values: [] });
      continue;
    }
    return { error: `${JSON.stringify(part)} is not a requirement: write key=value, key!=value, key in (a,b), key notin (a,b), key or !key` };
  }
  return { selector: { matchLabels, matchExpressions } };
}

/** splitRequirements splits at the commas that are not inside a value list's parentheses. */
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '(') depth++;
    else if (char === ')') depth = Math.max(0, depth - 1);
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** isValue says whether a text is a label value: empty, or a name of up to 63 characters. */
function isValue(value: string): boolean {
  return value === '' || NAME.test(value);
}

/** checkKey says what is wrong with a label key (`[prefix/]name`), if anything. */
function checkKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix)))) return undefined;
  return `${JSON.stringify(key)} is not a label key ([prefix/]name: a name of up to 63 letters, digits, '-', '_' and '.', after an optional DNS prefix)`;
}
