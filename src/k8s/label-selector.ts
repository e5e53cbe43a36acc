import { NO_LABELS } from '../core/labels.js';
import { OPERATORS, SELECT_ALL } from '../core/selector.js';
import type { LabelSelector, Requirement } from '../core/selector.js';
import { DecodeError, Fields, decodeString, oneOf } from './decode.js';
import { checkLabelKey, checkLabelValue, checkLabels } from './names.js';

/**
 * decodeLabelSelector reads a `metav1.LabelSelector`. Absent, null and `{}` select everything.
 * In and NotIn need values; Exists and DoesNotExist must have none, as the API server checks.
 */
export function decodeLabelSelector(value: unknown, path: string): LabelSelector {
  if (value === undefined || value === null) return SELECT_ALL;
  const fields = Fields.of(value, path);
  const matchLabels = fields.stringMap('matchLabels') ?? NO_LABELS;
  checkLabels(matchLabels, fields.child('matchLabels'));
  const matchExpressions = fields.array('matchExpressions', decodeRequirement) ?? [];
  return { matchLabels, matchExpressions };
}

function decodeRequirement(value: unknown, path: string): Requirement {
  const fields = Fields.of(value, path);
  const key = fields.requiredString('key');
  checkLabelKey(key, fields.child('key'));
  const operator = oneOf(fields.requiredString('operator'), OPERATORS, fields.child('operator'));
  const values = fields.array('values', decodeString) ?? [];
  values.forEach((v, index) => checkLabelValue(v, `${fields.child('values')}[${index}]`));
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && values.length === 0) {
    throw new DecodeError(fields.child('values'), `must have at least one value for operator ${operator}`);
  }
  if (!needsValues && values.length > 0) {
    throw new DecodeError(fields.child('values'), `must be empty for operator ${operator}`);
  }
  return { key, operator, values };
}
