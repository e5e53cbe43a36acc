import { isExempt } from '../../guardrails/adoption.js';
import type { Config } from '../../guardrails/config.js';
import { isMember } from '../../guardrails/config.js';
import { resolveEssentialServices } from '../../guardrails/resolve-essential-services.js';
import { reviewChange } from '../../guardrails/review.js';
import { modeOf } from '../../guardrails/rules/baseline-opt-out.js';
import type { Requester } from '../../guardrails/rules/change.js';
import { intentsChanges } from '../../intents/intents-changes.js';
import type { OpenedElsewhere } from '../../intents/prove.js';
import { intentsId } from '../../model/client-intents.js';
import type { ClientIntents } from '../../model/client-intents.js';
import type { EditableState } from '../../state/editable-state.js';
import type { Source } from '../../state/load-state.js';
import type { CheckedObject, ClientIntentsChange } from '../commands/check.js';

/**
 * A ClientIntents among the manifests of `check`, `diff` and `test`, judged as netfence would put
 * it in force: the policies generated from every ClientIntents in force so far (the state's, then
 * the manifests' up to this one) are proven on the state, then compared with the generated policies
 * the state holds. The ClientIntents is denied when the proof fails for what it brings (a failure
 * the ClientIntents already in force had is reported, not held against it); else each generated
 * policy that is new or changed is judged as a CREATE or UPDATE by netfence's own service account,
 * each that the ClientIntents in force called for and no longer do as a DELETE, and applied when
 * admitted. A ClientIntents whose policies cannot be proven is not put in force, in any mode; while
 * ClientIntents already in force fail their proof, one that adds no failure is put in force but no
 * policy is written: netfence writes no policy it cannot prove.
 */

/** IntentsInForce are the ClientIntents in force so far, by id (`namespace/name`): the state's, then each admitted manifest's. */
export type IntentsInForce = Map<string, ClientIntents>;

/** intentsInForce starts the ClientIntents in force from a state's. */
export function intentsInForce(intents: readonly ClientIntents[]): IntentsInForce {
  return new Map(intents.map((object) => [intentsId(object), object]));
}

/** IntentsOutcome is what became of a ClientIntents' policies. */
export interface IntentsOutcome {
  /** notices are what the generator says of this ClientIntents (a target not in the state, a domain it cannot resolve, ...) and the policies it could not write. */
  readonly notices: readonly string[];
  /** failures are what the proof finds wrong that this ClientIntents brings (none: proven); the ClientIntents is then denied and its policies not written. */
  readonly failures: readonly string[];
  /** preexisting are proof failures of the ClientIntents already in force, which this one does not bring. */
  readonly preexisting: readonly string[];
  /** openedElsewhere are connections between governed pods that no intent declares, opened by other policies, that this ClientIntents brings to light. */
  readonly openedElsewhere: readonly string[];
}

/** skipReason says why no rule judges a ClientIntents, as review.ts says it for other objects: its namespace or its requester is exempt, or the namespace is in mode off. */
function skipReason(namespace: string, state: EditableState, config: Config, requester: Requester): string | undefined {
  if (isExempt(namespace, config)) return `namespace ${namespace} is exempt`;
  if (isMember(config.exempt, requester)) return `${requester.username} is exempt`;
  if (modeOf(state.namespaceLabels(namespace), config.defaultMode) === 'off') return `namespace ${namespace} is in mode off`;
  return undefined;
}

/** noticeIsAbout says whether a generator notice is about a ClientIntents: it starts `ClientIntents NS/NAME:` or `ClientIntents NS/NAME spec...`. */
function noticeIsAbout(notice: string, id: string): boolean {
  const prefix = `ClientIntents ${id}`;
  return notice.startsWith(prefix) && (notice[prefix.length] === ':' || notice[prefix.length] === ' ');
}

function openedText(opened: OpenedElsewhere): string {
  return `also open, not declared: ${opened.from} -> ${opened.to} on ${opened.ports}, by ${opened.policies.join(', ')}`;
}

/**
 * checkClientIntents judges one ClientIntents of the manifests (see above) and applies what is
 * admitted to `state` and `inForce`. Its entries: the ClientIntents, then each generated policy
 * written or deleted for it (`from` names the ClientIntents; `source` is the ClientIntents').
 */
export function checkClientIntents(intents: ClientIntents, label: string, source: Source, state: EditableState, config: Config, requester: Requester, inForce: IntentsInForce): CheckedObject[] {
  const id = intentsId(intents);
  const change: ClientIntentsChange = { kind: 'ClientIntents', operation: inForce.has(id) ? 'UPDATE' : 'CREATE', namespace: intents.namespace, name: intents.name };
  const base = { label, source, change, findings: [], remediation: undefined };
  if (state.namespace(intents.namespace) === undefined) {
    const refused = `namespaces "${intents.namespace}" not found: the namespace is in neither the state nor an earlier manifest (add it, or name another with -n)`;
    return [{ ...base, skipped: undefined, refused, applied: false }];
  }
  const skipped = skipReason(intents.namespace, state, config, requester);
  const essentials = resolveEssentialServices(state, config);
  const others = [...inForce.values()].filter((object) => intentsId(object) !== id);
  // The proof of what is in force now (this ClientIntents as it was, on an UPDATE) says which failures predate the change.
  const current = [...inForce.values()];
  const before = current.length === 0 ? undefined : intentsChanges(state, current, [], config, essentials).proof;
  const after = intentsChanges(state, [...others, intents], current, config, essentials);
  const failedBefore = new Set(before?.failures ?? []);
  const openedBefore = new Set((before?.openedElsewhere ?? []).map(openedText));
  const failures = after.proof.failures.filter((failure) => !failedBefore.has(failure));
  const notices = [
    ...after.generated.notices.filter((notice) => noticeIsAbout(notice, id)),
    ...after.conflicts.map((policy) => `${policy} is a policy netfence does not manage: the generated policy of that name is not written`),
  ];
  const outcome: IntentsOutcome = {
    notices,
    failures,
    preexisting: after.proof.failures.filter((failure) => failedBefore.has(failure)),
    // What the generated policies open themselves is a failure, said once, above.
    openedElsewhere: after.proof.openedElsewhere
      .filter((opened) => opened.policies.length > 0)
      .map(openedText)
      .filter((text) => !openedBefore.has(text)),
  };
  if (failures.length > 0) return [{ ...base, skipped, refused: undefined, applied: false, intents: outcome }];
  inForce.set(id, intents);
  if (after.proof.failures.length > 0) {
    // Failures that predate it: it is put in force, and nothing is written until they are mended.
    const held = `netfence writes none of the policies while ClientIntents in force are not proven (${after.changes.length} write(s) held back)`;
    return [{ ...base, skipped, refused: undefined, applied: true, intents: { ...outcome, notices: [...notices, held] } }];
  }
  const entry: CheckedObject = { ...base, skipped, refused: undefined, applied: true, intents: outcome };
  const written: CheckedObject[] = [];
  for (const write of after.changes) {
    const review = reviewChange(write, { state, config, essentials: resolveEssentialServices(state, config) });
    written.push({
      label: `NetworkPolicy ${write.namespace}/${write.name}`,
      source,
      change: write,
      findings: review.findings,
      skipped: review.skipped,
      remediation: undefined,
      refused: undefined,
      applied: review.allowed,
      from: `ClientIntents ${id}`,
      ...(review.notes === undefined ? {} : { notes: review.notes }),
    });
    if (!review.allowed) continue;
    if (write.policy === undefined) state.deletePolicy(write.namespace, write.name);
    else state.putPolicy(write.policy);
  }
  return [entry, ...written];
}
