import { BASELINE_LABEL } from '../baseline.js';
import { desiredBaseline } from '../baseline-plan.js';
import type { Finding } from '../finding.js';
import { networkPolicyManifest } from '../../model/manifest.js';
import { withNameLabel } from '../../model/namespace.js';
import type { PodChange } from './change.js';
import type { RuleContext } from './essential-access.js';
import { summaryLine } from './summary.js';

/**
 * baselinePendingFindings is the provisioning gate (`baseline-pending`, on only when configured):
 * a pod created in a namespace whose baseline policies do not all exist yet would run
 * unprotected for the seconds until the reconciler provisions them. Refusing it is safe because
 * the client retries: controllers (ReplicaSet, Job, DaemonSet) do on their own, and the message
 * tells a person to. A baseline that exists but has drifted does not gate: the pod is isolated,
 * and the reconciler repairs the drift. A namespace that is not adopted has no baseline to wait for.
 */
export function baselinePendingFindings(change: PodChange, context: RuleContext): Finding[] {
  const { state, config } = context;
  if (!config.provisioningGate || change.operation !== 'CREATE') return [];
  // A namespace the state has not seen yet is as new as it gets: created after the install, so the
  // mutating webhook gave it the default profile, and its baseline cannot be there yet.
  const namespace = state.namespace(change.namespace) ?? { name: change.namespace, labels: withNameLabel(change.namespace, new Map([[BASELINE_LABEL, config.defaultProfile]])) };
  // Only existence matters here (drift is the reconciler's), so no policy is compared in full.
  const wanted = desiredBaseline(namespace, config);
  if (wanted.kind === 'skip') return [];
  const present = new Set(state.policiesIn(change.namespace).map((policy) => policy.name));
  const create = wanted.policies.filter((policy) => !present.has(policy.name));
  if (create.length === 0) return [];
  const missing = create.map((policy) => policy.name);
  const object = change.name === '' ? change.namespace : `${change.namespace}/${change.name}`;
  return [
    {
      rule: 'baseline-pending',
      severity: 'deny',
      object,
      summary: summaryLine('baseline-pending', `baseline of ${change.namespace} not in place yet; retry in a few seconds`),
      message:
        `The baseline NetworkPolicies of namespace ${change.namespace} (profile "${wanted.profile}": ${missing.join(', ')}) are not in place yet, ` +
        `so this pod would start unprotected. netfence provisions them within seconds: retry the request (controllers retry on their own).`,
      ...(create[0] === undefined ? {} : { fix: networkPolicyManifest(create[0]) }),
    },
  ];
}
