import { BASELINE_LABEL, MODE_LABEL, OPT_OUT_PROFILE } from '../baseline.js';
import type { Config, Mode } from '../config.js';
import { MODES, isLowerMode, isMember } from '../config.js';
import type { Finding } from '../finding.js';
import type { Labels } from '../../model/labels.js';
import type { NamespaceChange } from './change.js';
import { summaryLine } from './summary.js';

/** modeOf reads a namespace's mode label, falling back to the default for absent or unknown values. */
export function modeOf(labels: Labels | undefined, defaultMode: Mode): Mode {
  const value = labels?.get(MODE_LABEL);
  return MODES.find((mode) => mode === value) ?? defaultMode;
}

/**
 * optOutFindings reports `baseline-opt-out`: a namespace labelled `netfence.io/baseline: none`, its
 * baseline label removed (which un-adopts it: netfence stops repairing its baseline, unless
 * `adoptExisting` adopts every namespace), or its mode lowered (enforce → audit → off), by someone
 * not privileged. A tenant must not be able to switch its own guardrails off.
 */
export function optOutFindings(change: NamespaceChange, config: Pick<Config, 'privileged' | 'defaultMode' | 'adoptExisting'>): Finding[] {
  if (change.operation === 'DELETE' || change.labels === undefined || isMember(config.privileged, change.requester)) return [];
  const findings: Finding[] = [];
  const oldMode = modeOf(change.oldLabels, config.defaultMode);
  const newMode = modeOf(change.labels, config.defaultMode);
  const who = change.requester.username;
  if (isLowerMode(oldMode, newMode)) {
    findings.push({
      rule: 'baseline-opt-out',
      severity: 'deny',
      object: change.name,
      summary: summaryLine('baseline-opt-out', `${who} may not lower namespace ${change.name} from ${oldMode} to ${newMode}`),
      message: `Namespace ${change.name}: ${who} may not set ${MODE_LABEL}=${newMode} (from ${oldMode}); lowering netfence's mode takes a cluster administrator.`,
    });
  }
  const optedOut = change.labels.get(BASELINE_LABEL) === OPT_OUT_PROFILE && change.oldLabels?.get(BASELINE_LABEL) !== OPT_OUT_PROFILE;
  if (optedOut) {
    findings.push({
      rule: 'baseline-opt-out',
      severity: 'deny',
      object: change.name,
      summary: summaryLine('baseline-opt-out', `${who} may not opt namespace ${change.name} out of its baseline`),
      message: `Namespace ${change.name}: ${who} may not set ${BASELINE_LABEL}=${OPT_OUT_PROFILE}; opting a namespace out of its baseline policies takes a cluster administrator.`,
    });
  }
  const unadopted = !config.adoptExisting && change.labels.get(BASELINE_LABEL) === undefined && change.oldLabels?.get(BASELINE_LABEL) !== undefined && change.oldLabels.get(BASELINE_LABEL) !== OPT_OUT_PROFILE;
  if (unadopted) {
    findings.push({
      rule: 'baseline-opt-out',
      severity: 'deny',
      object: change.name,
      summary: summaryLine('baseline-opt-out', `${who} may not remove ${BASELINE_LABEL} from namespace ${change.name}`),
      message: `Namespace ${change.name}: ${who} may not remove ${BASELINE_LABEL} (was ${change.oldLabels?.get(BASELINE_LABEL) ?? ''}); without it netfence no longer keeps the namespace's baseline policies, and un-adopting a namespace takes a cluster administrator.`,
    });
  }
  return findings;
}
