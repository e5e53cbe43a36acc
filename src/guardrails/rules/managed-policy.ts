import { PROFILE_LABEL, isManaged } from '../baseline.js';
import type { Config } from '../config.js';
import { isMember } from '../config.js';
import type { Finding } from '../finding.js';
import type { PolicyChange } from './change.js';
import { summaryLine } from './summary.js';

/**
 * managedPolicyFindings reports `managed-policy-change`: someone not privileged creates, edits or
 * deletes a policy labelled as netfence's. (netfence's reconciler repairs managed policies anyway;
 * denying says so at once instead of letting the change silently revert.)
 */
export function managedPolicyFindings(change: PolicyChange, config: Pick<Config, 'privileged'>): Finding[] {
  const managed = [change.oldPolicy, change.policy].find((policy) => policy !== undefined && isManaged(policy.labels));
  if (managed === undefined || isMember(config.privileged, change.requester)) return [];
  const object = `${change.namespace}/${change.name}`;
  // A baseline names its profile; a policy netfence keeps for ClientIntents names none.
  const profile = managed.labels.get(PROFILE_LABEL);
  const what = profile === undefined ? 'generated for ClientIntents' : `baseline profile "${profile}"`;
  const keeps = profile === undefined ? 'netfence keeps it as the ClientIntents call for it (change the ClientIntents instead)' : 'netfence repairs it to match its profile';
  const verb = change.operation === 'DELETE' ? 'delete' : change.operation === 'CREATE' ? 'create' : 'change';
  const who = [...config.privileged.groups.map((group) => `group ${group}`), ...config.privileged.users].join(', ');
  return [
    {
      rule: 'managed-policy-change',
      severity: 'deny',
      object,
      summary: summaryLine('managed-policy-change', `${object} is managed by netfence; ${change.requester.username} may not ${verb} it`),
      message:
        `${object} is managed by netfence (${what}): ${change.requester.username} may not ${verb} it; ` +
        `only ${who || 'nobody'} may, and ${keeps}. Add your own policies next to it instead: ` +
        `NetworkPolicies add up, so a new policy can allow more but never less.`,
    },
  ];
}
