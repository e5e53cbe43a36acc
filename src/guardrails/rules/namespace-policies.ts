import type { NetworkPolicy } from '../../model/network-policy.js';
import type { PolicyChange } from './change.js';

/**
 * policiesAfter is the namespace's policies as they would be if the change were admitted: the
 * changed policy replaced, added or removed by name.
 */
export function policiesAfter(before: readonly NetworkPolicy[], change: PolicyChange): NetworkPolicy[] {
  const others = before.filter((policy) => policy.name !== change.name);
  return change.operation === 'DELETE' || change.policy === undefined ? others : [...others, change.policy];
}
