import { NO_LABELS } from '../model/labels.js';
import { OPERATORS, SELECT_ALL } from '../model/selector.js';
import type { LabelSelector, Requirement } from '../model/selector.js';
import { DecodeError, Fields, decodeString } from './decode.js';
import type { Path } from './decode.js';
import { LABEL_SYNTAX, labelKeyProblem, labelValueProblem } from './names.js';

/**
 * decodeSelectorField reads the `metav1.LabelSelector` in field `name` of `fields`. Absent, null and
 * `{}` select everything. In and NotIn need values; Exists and DoesNotExist must have none, as the
 * API server checks.
 */
export function decodeSelectorField(fields: Fields, name: string): LabelSelector {
  const selector = fields.object(name);
  return selector === undefined ? SELECT_ALL : labelSelectorOf(selector);
}

function labelSelectorOf(fields: Fields): LabelSelector {
  const matchLabels = fields.stringMap('matchLabels', LABEL_SYNTAX) ?? NO_LABELS;
  const matchExpressions = fields.array('matchExpressions', decodeRequirement) ?? [];
  return { matchLabels, matchExpressions };
}

function decodeRequirement(value: unknown, path: Path): Requirement {
  const fields = Fields.of(value, path);
  const key = fields.requiredString('key');
  const keyProblem = labelKeyProblem(key);
  if (keyProblem !== undefined) throw new DecodeError(fields.child('key'), keyProblem);
  const operator = fields.requiredOneOf('operator', OPERATORS);
  const values = fields.array('values', decodeLabelValue) ?? [];
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && values.length === 0) {
    throw new DecodeError(fields.child('values'), `must have at least one value for operator ${operator}`);
  }
  if (!needsValues && values.length > 0) {
    throw new DecodeError(fields.child('values'), `must be empty for operator ${operator}`);
  }
  return { key, operator, values };
}

function decodeLabelValue(value: unknown, path: Path): string {
  const text = decodeString(value, path);
  const problem = labelValueProblem(text);
  if (problem !== undefined) throw new DecodeError(path, problem);
  return text;
}
