import type { Labels } from './labels.js';

/** Operator is a label selector requirement's operator, as the Kubernetes API spells it. */
export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** OPERATORS lists every valid operator, for parsers and generators. */
export const OPERATORS: readonly Operator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * Requirement is one condition on one label key. `matchLabels: {k: v}` becomes `k In [v]`.
 * In and NotIn carry at least one value; Exists and DoesNotExist carry none.
 */
export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/**
 * LabelSelector is a conjunction of requirements. No requirement at all (`{}`) selects everything.
 * The original `matchLabels` are kept apart so that output can be printed the way users wrote it.
 */
export interface LabelSelector {
  readonly matchLabels: Labels;
  readonly matchExpressions: readonly Requirement[];
}

/** SELECT_ALL is the empty selector `{}`, which matches every label set. */
export const SELECT_ALL: LabelSelector = { matchLabels: new Map(), matchExpressions: [] };

/** requirementsOf lists every requirement of a selector, matchLabels first. */
export function requirementsOf(selector: LabelSelector): Requirement[] {
  const requirements: Requirement[] = [];
  selector.matchLabels.forEach((value, key) => requirements.push({ key, operator: 'In', values: [value] }));
  for (const requirement of selector.matchExpressions) requirements.push(requirement);
  return requirements;
}

/** isSelectAll says whether a selector has no requirement and so matches every label set. */
export function isSelectAll(selector: LabelSelector): boolean {
  return selector.matchLabels.size === 0 && selector.matchExpressions.length === 0;
}

/**
 * matchesRequirement applies one requirement with the API's meaning: NotIn and DoesNotExist match a
 * label set that lacks the key.
 */
export function matchesRequirement(requirement: Requirement, labels: Labels): boolean {
  const value = labels.get(requirement.key);
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && requirement.values.includes(value);
    case 'NotIn':
      return value === undefined || !requirement.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

/** matchesSelector says whether a label set satisfies every requirement of a selector. */
export function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of selector.matchLabels) {
    if (labels.get(key) !== value) return false;
  }
  return selector.matchExpressions.every((requirement) => matchesRequirement(requirement, labels));
}

/** formatSelector prints a selector compactly, like `app=web,tier in (a,b),!legacy`; `{}` for all. */
export function formatSelector(selector: LabelSelector): string {
  if (isSelectAll(selector)) return '{} (all)';
  return requirementsOf(selector)
    .map((requirement, index) => {
      const { key, operator, values } = requirement;
      if (index < selector.matchLabels.size) return `${key}=${values[0] ?? ''}`;
      switch (operator) {
        case 'In':
          return `${key} in (${values.join(',')})`;
        case 'NotIn':
          return `${key} notin (${values.join(',')})`;
        case 'Exists':
          return key;
        case 'DoesNotExist':
          return `!${key}`;
      }
    })
    .join(',');
}

/** intersectSelectors is the selector matching what both match (their requirements together). */
export function intersectSelectors(a: LabelSelector, b: LabelSelector): LabelSelector {
  return { matchLabels: new Map(), matchExpressions: [...requirementsOf(a), ...requirementsOf(b)] };
}
