import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BASELINE_LABEL, renderProfile } from '../../guardrails/baseline.js';
import type { ClusterState } from '../../model/cluster-state.js';
import type { BaselineProfile, Config } from '../../guardrails/config.js';
import type { Finding } from '../../guardrails/finding.js';
import type { ClientIntents } from '../../model/client-intents.js';
import { resolveEssentialServices } from '../../guardrails/resolve-essential-services.js';
import { reviewChange } from '../../guardrails/review.js';
import type { Change, Requester } from '../../guardrails/rules/change.js';
import { EditableState } from '../../state/editable-state.js';
import { STDIN_NAME, StateError, lineOf, loadObjectsFromText, manifestFiles, skippedNotices } from '../../state/load-state.js';
import type { LoadOptions, LoadedObject, SkippedObject, Source } from '../../state/load-state.js';
import { MemoryState } from '../../state/memory-state.js';
import { checkManifests } from '../commands/check.js';
import type { CheckedObject } from '../commands/check.js';
import type { Io } from '../command.js';
import { intentsInForce } from './client-intents-manifest.js';
import { readStdin } from './stdin.js';
import { UsageError } from '../usage-error.js';
import { isRecord } from '../../k8s/decode.js';

/**
 * The changes `netfence diff` compares a state with: manifests applied on top of it as admission
 * would apply them (deletions included), or a namespace adopted with its baseline profile.
 */

/** DELETE_ANNOTATION with the value "true" on a manifest asks diff to delete that object instead of applying it. */
export const DELETE_ANNOTATION = 'netfence.io/delete';

/** DELETABLE_KINDS are the kinds a manifest may delete: the objects that decide reachability. */
const DELETABLE_KINDS = ['NetworkPolicy', 'Namespace'] as const;
type DeletableKind = (typeof DELETABLE_KINDS)[number];

/** Deletion is a manifest marked for deletion: which object, and where the marker was read. */
export interface Deletion {
  readonly kind: DeletableKind;
  /** namespace is empty for a Namespace. */
  readonly namespace: string;
  readonly name: string;
  readonly label: string;
  readonly source: Source;
}

/** ManifestStep is one document of the manifests, in order: an object to apply, or one to delete. */
export type ManifestStep = { readonly kind: 'apply'; readonly loaded: LoadedObject } | { readonly kind: 'delete'; readonly deletion: Deletion };

/** DeletionOutcome is a deletion judged as admission would judge the DELETE, and whether it was applied. */
export interface DeletionOutcome {
  readonly deletion: Deletion;
  readonly findings: readonly Finding[];
  readonly skipped: string | undefined;
  /** refused: the API server would refuse it (the object does not exist). */
  readonly refused: string | undefined;
  readonly applied: boolean;
}

/** AppliedStep is what became of one judged document. */
export type AppliedStep = { readonly kind: 'checked'; readonly checked: CheckedObject } | { readonly kind: 'deleted'; readonly outcome: DeletionOutcome };

/**
 * AppliedManifests is the state after the manifests, what became of each, and the objects applied
 * without a judgement. A ClientIntents is judged (checkManifests): its step, then a step for each
 * policy netfence writes or deletes for it.
 */
export interface AppliedManifests {
  readonly after: ClusterState;
  readonly steps: readonly AppliedStep[];
  /** unjudged are pods, workloads and Services: applied without a judgement (labels of the objects). */
  readonly unjudged: readonly string[];
}

/** someManifestFiles lists a path's manifest files, refusing a directory without any. */
async function someManifestFiles(path: string): Promise<string[]> {
  const files = await manifestFiles(path);
  // A shell glob that matched nothing arrives as the pattern itself, and is no such file.
  if (files.length === 0) throw new StateError(`${path}: no .yaml, .yml or .json file in this directory`);
  return files;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/**
 * splitDeletions finds the documents of a text marked for deletion and returns them, with the text
 * those documents blanked out (line breaks kept, so the other documents keep their lines and
 * numbers). A text that does not parse is returned as it is: the loader reports where it is wrong.
 */
function splitDeletions(text: string, shown: string, options: LoadOptions): { text: string; deletions: Deletion[] } {
  const documents = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  if (list.some((document) => document.errors.length > 0)) return { text, deletions: [] };
  const deletions: Deletion[] = [];
  let blanked = text;
  list.forEach((document, index) => {
    const range = document.contents?.range;
    if (range === undefined) return;
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch {
      return; // the loader says why
    }
    const object = record(value);
    const metadata = record(object?.['metadata']);
    if (record(metadata?.['annotations'])?.[DELETE_ANNOTATION] !== 'true') return;
    const line = lineOf(text, range[0]);
    const where = `${shown}:${line} (document ${index + 1})`;
    const kind = object?.['kind'];
    const name = metadata?.['name'];
    const found = DELETABLE_KINDS.find((deletable) => deletable === kind);
    if (found === undefined) throw new StateError(`${where}: ${DELETE_ANNOTATION} deletes a NetworkPolicy or a Namespace, not ${typeof kind === 'string' ? `a ${kind}` : 'an object without a kind'}`);
    if (typeof name !== 'string' || name === '') throw new StateError(`${where} ${found}: metadata.name: required`);
    const given = metadata?.['namespace'];
    const namespace = found === 'Namespace' ? '' : typeof given === 'string' && given !== '' ? given : (options.namespace ?? 'default');
    deletions.push({ kind: found, namespace, name, label: `${where} ${found} ${namespace === '' ? '' : `${namespace}/`}${name}`, source: { file: shown, line, document: index + 1 } });
    blanked = blanked.slice(0, range[0]) + blanked.slice(range[0], range[2]).replace(/[^\r\n]/g, ' ') + blanked.slice(range[2]);
  });
  return { text: blanked, deletions };
}

function stepsOfText(text: string, shown: string, options: LoadOptions): { steps: ManifestStep[]; skipped: SkippedObject[] } {
  const { text: rest, deletions } = splitDeletions(text, shown, options);
  const { objects, skipped } = loadObjectsFromText(rest, shown, options);
  const steps: ManifestStep[] = [...objects.map((loaded): ManifestStep => ({ kind: 'apply', loaded })), ...deletions.map((deletion): ManifestStep => ({ kind: 'delete', deletion }))];
  const documentOf = (step: ManifestStep): number => (step.kind === 'apply' ? step.loaded.source.document : step.deletion.source.document);
  // Stable: the items of a List keep their order.
  return { steps: steps.sort((a, b) => documentOf(a) - documentOf(b)), skipped };
}

/**
 * readManifestSteps reads every FILE (a file, a directory of them, or `-` for standard input) in
 * order, strictly as kubectl apply sends them; documents annotated `netfence.io/delete: "true"`
 * are deletions of the object they name. Its notices say what each FILE skipped (skippedNotices).
 */
export async function readManifestSteps(paths: readonly string[], options: LoadOptions & { readonly listSkipped?: boolean }, io: Io): Promise<{ steps: ManifestStep[]; notices: string[] }> {
  if (paths.length === 0) throw new UsageError('no manifests: give FILE..., a directory, or - for standard input');
  const steps: ManifestStep[] = [];
  const notices: string[] = [];
  for (const path of paths) {
    const texts: { text: string; shown: string }[] = [];
    if (path === '-') texts.push({ text: await readStdin(io), shown: STDIN_NAME });
    else {
      for (const file of await someManifestFiles(path)) {
        const shown = relative(process.cwd(), file) || file;
        const text = await readFile(file, 'utf8').catch((error: unknown) => {
          throw new StateError(`${shown}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
        });
        texts.push({ text, shown });
      }
    }
    const skipped: SkippedObject[] = [];
    for (const { text, shown } of texts) {
      const read = stepsOfText(text, shown, options);
      // Loops, not push(...): some 150,000 objects spread as arguments overflow the stack.
      for (const step of read.steps) steps.push(step);
      for (const object of read.skipped) skipped.push(object);
    }
    for (const notice of skippedNotices(path === '-' ? STDIN_NAME : path, skipped, options.listSkipped === true)) notices.push(notice);
  }
  return { steps, notices };
}

/** withoutNamespace is the state once a namespace is gone, with everything in it. */
function withoutNamespace(state: ClusterState, name: string): EditableState {
  const outside = <T extends { readonly namespace: string }>(items: readonly T[]): T[] => items.filter((item) => item.namespace !== name);
  return new EditableState(
    new MemoryState({
      namespaces: state.namespaces().filter((namespace) => namespace.name !== name),
      pods: outside(state.pods()),
      services: outside(state.services()),
      policies: outside(state.policies()),
      endpointSlices: outside(state.endpointSlices()),
    }),
  );
}

function deleteObject(deletion: Deletion, state: EditableState, config: Config, requester: Requester): { outcome: DeletionOutcome; state: EditableState } {
  const base = { deletion, findings: [], skipped: undefined };
  let change: Change;
  if (deletion.kind === 'NetworkPolicy') {
    const old = state.policiesIn(deletion.namespace).find((policy) => policy.name === deletion.name);
    if (old === undefined) return { outcome: { ...base, refused: `networkpolicies.networking.k8s.io "${deletion.name}" not found`, applied: false }, state };
    change = { kind: 'NetworkPolicy', operation: 'DELETE', namespace: deletion.namespace, name: deletion.name, policy: undefined, oldPolicy: old, requester };
  } else {
    const old = state.namespace(deletion.name);
    if (old === undefined) return { outcome: { ...base, refused: `namespaces "${deletion.name}" not found`, applied: false }, state };
    change = { kind: 'Namespace', operation: 'DELETE', name: deletion.name, labels: undefined, oldLabels: old.labels, requester };
  }
  const review = reviewChange(change, { state, config, essentials: resolveEssentialServices(state, config) });
  const outcome: DeletionOutcome = { deletion, findings: review.findings, skipped: review.skipped, refused: undefined, applied: review.allowed };
  if (!review.allowed) return { outcome, state };
  if (deletion.kind === 'NetworkPolicy') {
    state.deletePolicy(deletion.namespace, deletion.name);
    return { outcome, state };
  }
  return { outcome, state: withoutNamespace(state, deletion.name) };
}

/**
 * applyManifests applies the steps on top of a state as `check` does (checkManifests: an object
 * admission denies in its namespace's mode is not applied; a ClientIntents puts the policies it
 * calls for in place, with `intents`, the state's ClientIntents, already in force), deletions
 * judged as the DELETE would be, in document order.
 */
export function applyManifests(state: ClusterState, steps: readonly ManifestStep[], config: Config, requester: Requester, intents: readonly ClientIntents[] = []): AppliedManifests {
  let current = new EditableState(state);
  const inForce = intentsInForce(intents);
  const applied: AppliedStep[] = [];
  const unjudged: string[] = [];
  let run: LoadedObject[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const checked = checkManifests(current, run, config, requester, inForce);
    const judged = new Set(checked.map((entry) => entry.label));
    for (const loaded of run) if (!judged.has(loaded.label)) unjudged.push(loaded.label);
    for (const entry of checked) applied.push({ kind: 'checked', checked: entry });
    run = [];
  };
  for (const step of steps) {
    if (step.kind === 'apply') {
      run.push(step.loaded);
      continue;
    }
    flush();
    const { outcome, state: next } = deleteObject(step.deletion, current, config, requester);
    applied.push({ kind: 'deleted', outcome });
    current = next;
  }
  flush();
  return { after: current, steps: applied, unjudged };
}

/** adoptNamespace is the state with a namespace adopted: labelled with the profile, and the profile's policies in place. */
export function adoptNamespace(state: ClusterState, name: string, profile: BaselineProfile): ClusterState {
  const namespace = state.namespace(name);
  if (namespace === undefined) throw new UsageError(`--adopt ${name}: the state has no namespace ${JSON.stringify(name)}`);
  const adopted = new EditableState(state);
  adopted.putNamespace({ ...namespace, labels: new Map([...namespace.labels, [BASELINE_LABEL, profile.name]]) });
  for (const policy of renderProfile(profile, name)) adopted.putPolicy(policy);
  return adopted;
}
