import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { intentsId } from '../model/client-intents.js';
import type { ClientIntents } from '../model/client-intents.js';
import type { ClusterState } from '../model/cluster-state.js';
import type { EndpointSlice } from '../model/endpoint-slice.js';
import type { Namespace } from '../model/namespace.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { Pod } from '../model/pod.js';
import type { Service } from '../model/service.js';
import { podsOf } from '../model/workload.js';
import type { Workload } from '../model/workload.js';
import { DecodeError, Fields, isRecord } from '../k8s/decode.js';
import { READ_KINDS, decodeObject } from '../k8s/object.js';
import type { KubeObject } from '../k8s/object.js';
import { strictDecodingError, unknownFields } from '../k8s/strict-fields.js';
import { MemoryState } from './memory-state.js';

/** StateError is bad state input: its message is one line naming the file, the object and the field. */
export class StateError extends Error {
  override readonly name = 'StateError';
}

/**
 * LoadedState is a state, the ClientIntents it holds (beside the cluster's objects, in load order:
 * what the intents call for is computed from them, not part of the state) and the notices about
 * what was skipped (see skippedNotices).
 */
export interface LoadedState {
  readonly state: ClusterState;
  readonly intents: readonly ClientIntents[];
  readonly notices: readonly string[];
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** Source is where an object was read: the file as shown, the line its document starts at, the document's number (from 1). */
export interface Source {
  readonly file: string;
  readonly line: number | undefined;
  readonly document: number;
}

/** LoadedObject is one object read from a file, with where it came from (for messages and reports). */
export interface LoadedObject {
  readonly object: Exclude<KubeObject, { kind: 'Other' }>;
  readonly label: string;
  readonly source: Source;
}

/**
 * LoadOptions: `namespace` is given to namespaced objects whose manifest names none, as `kubectl -n`
 * does; `strict` refuses fields the kind's schema does not have, as the API server's strict field
 * validation (kubectl's default) does for manifests that are applied.
 */
export interface LoadOptions {
  readonly namespace?: string;
  readonly strict?: boolean;
}

/** SkippedObject is an object of a kind netfence does not read, left out of what was loaded: where it was, and its kind. */
export interface SkippedObject {
  readonly label: string;
  /** kind is as a person names it: `ConfigMap`; with its apiVersion when netfence reads a kind of that name in another group (`crd.projectcalico.org/v1 NetworkPolicy`). */
  readonly kind: string;
}

/** SKIPPED_REASON says which kinds netfence reads, in the notice about an object it skips. */
const SKIPPED_REASON = `netfence reads ${READ_KINDS.slice(0, -1).join(', ')} and ${READ_KINDS.at(-1) ?? ''}`;

/**
 * skippedNotices are the notices about the objects one load skipped (a state, or one FILE argument,
 * named `source`): one line that counts them by kind, most first (`examples/x: skipped 3 objects of
 * kinds netfence does not read: ConfigMap (2), Secret (1); --verbose lists them`), or, with
 * `listEach` (--verbose), a line for each object, naming its file, line and name. None when nothing
 * was skipped.
 */
export function skippedNotices(source: string, skipped: readonly SkippedObject[], listEach: boolean): string[] {
  if (listEach) return skipped.map(({ label }) => `${label}: skipped (${SKIPPED_REASON})`);
  if (skipped.length === 0) return [];
  const counts = new Map<string, number>();
  for (const { kind } of skipped) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  // Most first; a stable sort keeps kinds counted alike in the order they were met.
  const kinds = [...counts].sort(([, a], [, b]) => b - a).map(([kind, count]) => `${kind} (${count})`);
  const objects = skipped.length === 1 ? '1 object' : `${skipped.length} objects`;
  return [`${source}: skipped ${objects} of ${counts.size === 1 ? 'a kind' : 'kinds'} netfence does not read: ${kinds.join(', ')}; --verbose lists them`];
}

/** STDIN_NAME is how objects read from standard input are named in messages. */
export const STDIN_NAME = '<stdin>';

/**
 * loadObjects reads every object from a directory (every .yaml, .yml and .json file below it, in
 * name order) or from one file, in file order: multi-document YAML, `kind: List` and `*List`
 * kinds, the shape `kubectl get -o yaml` prints. Kinds netfence does not read are skipped, and
 * listed in `skipped` for a notice (see skippedNotices).
 */
export async function loadObjects(path: string, options: LoadOptions = {}): Promise<{ objects: LoadedObject[]; skipped: SkippedObject[]; files: number }> {
  const objects: LoadedObject[] = [];
  const skipped: SkippedObject[] = [];
  const files = await manifestFiles(path);
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    const text = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new StateError(`${shown}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
    });
    decodeDocuments(text, shown, options, objects, skipped);
  }
  return { objects, skipped, files: files.length };
}

/** loadObjectsFromText reads the objects of one YAML or JSON text, e.g. standard input (`-`), named `shown` in messages. */
export function loadObjectsFromText(text: string, shown: string, options: LoadOptions = {}): { objects: LoadedObject[]; skipped: SkippedObject[] } {
  const objects: LoadedObject[] = [];
  const skipped: SkippedObject[] = [];
  decodeDocuments(text, shown, options, objects, skipped);
  return { objects, skipped };
}

function decodeDocuments(text: string, shown: string, options: LoadOptions, objects: LoadedObject[], skipped: SkippedObject[]): void {
  for (const { value, where, line, document } of documentsOf(text, shown)) {
    for (const { item, label } of itemsOf(value, where, options.namespace)) {
      if (options.strict === true) {
        const kind = isRecord(item) && typeof item['kind'] === 'string' ? item['kind'] : '';
        const unknown = unknownFields(kind, item);
        if (unknown.length > 0) throw new StateError(`${label}: ${strictDecodingError(unknown)}`);
      }
      const object = wrap(() => decodeObject(item), label);
      if (object.kind === 'Other') skipped.push({ label, kind: READ_KINDS.includes(object.otherKind) ? `${object.apiVersion} ${object.otherKind}` : object.otherKind });
      else objects.push({ object, label, source: { file: shown, line, document } });
    }
  }
}

/** withNamespace gives a namespaced object without `metadata.namespace` the default namespace, leaving the input untouched. */
function withNamespace(item: unknown, namespace: string | undefined): unknown {
  if (namespace === undefined || !isRecord(item) || item['kind'] === 'Namespace') return item;
  const metadata = item['metadata'];
  if (!isRecord(metadata)) return item;
  const current = metadata['namespace'];
  if (current !== undefined && current !== '') return item;
  return { ...item, metadata: { ...metadata, namespace } };
}

/**
 * loadState reads a state (see loadObjects); the same object twice is an error. Workloads stand for
 * the pods they make, each as its pod template, unless their real pods are in the state too (see
 * podsOf): `kubectl get all -o yaml` counts each pod once. ClientIntents are returned next to the
 * state, in `intents`. Its notices name `path` in one line
 * about the objects skipped for their kind, or with `listSkipped` (--verbose) each of them.
 */
export async function loadState(path: string, options: { readonly listSkipped?: boolean } = {}): Promise<LoadedState> {
  const { objects, skipped } = await loadObjects(path);
  const notices = skippedNotices(path, skipped, options.listSkipped === true);
  const state = { namespaces: [] as Namespace[], pods: [] as Pod[], services: [] as Service[], policies: [] as NetworkPolicy[], endpointSlices: [] as EndpointSlice[] };
  const workloads: Workload[] = [];
  const intents: ClientIntents[] = [];
  const seen = new Map<string, string>();
  for (const { object, label } of objects) {
    const id = objectId(object);
    const first = seen.get(id);
    if (first !== undefined) throw new StateError(`${label}: duplicate ${id} (first defined at ${first})`);
    seen.set(id, label);
    switch (object.kind) {
      case 'Namespace':
        state.namespaces.push(object.namespace);
        break;
      case 'Pod':
        state.pods.push(object.pod);
        break;
      case 'Workload':
        workloads.push(object.workload);
        break;
      case 'Service':
        state.services.push(object.service);
        break;
      case 'NetworkPolicy':
        state.policies.push(object.policy);
        break;
      case 'EndpointSlice':
        state.endpointSlices.push(object.endpointSlice);
        break;
      case 'ClientIntents':
        intents.push(object.intents);
        break;
    }
  }
  return { state: new MemoryState({ ...state, pods: podsOf(state.pods, workloads) }), intents, notices };
}

/** manifestFiles lists a path's manifest files: the file itself, or every .yaml, .yml and .json file below a directory, in name order. */
export async function manifestFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw new StateError(`${path}: no such file or directory`);
  if (info.isFile()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && MANIFEST.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

interface Document {
  readonly value: unknown;
  readonly where: string;
  readonly line: number | undefined;
  readonly document: number;
}

function documentsOf(text: string, shown: string): Document[] {
  const documents = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const result: Document[] = [];
  list.forEach((document, index) => {
    const error = document.errors[0];
    if (error !== undefined) {
      const line = lineOf(text, error.pos[0]);
      throw new StateError(`${shown}:${line}: YAML error: ${error.message.split('\n')[0] ?? ''}`);
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // The yaml package refuses alias bombs here ("Excessive alias count ...").
      throw new StateError(`${shown} (document ${index + 1}): YAML error: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (value !== null && value !== undefined) {
      const line = document.contents?.range[0] === undefined ? undefined : lineOf(text, document.contents.range[0]);
      result.push({ value, where: `${shown}${line === undefined ? '' : `:${line}`} (document ${index + 1})`, line, document: index + 1 });
    }
  });
  return result;
}

/** lineOf is the line (from 1) of an offset in a text. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * itemsOf unwraps `List` documents into their items, each given the default namespace (`-n`) when it
 * names none and labelled for messages with the namespace it ends up in.
 */
function itemsOf(value: unknown, where: string, namespace: string | undefined): Array<{ item: unknown; label: string }> {
  const fields = wrap(() => Fields.of(value, ''), where);
  const kind = fields.raw('kind');
  if (typeof kind !== 'string' || !kind.endsWith('List') || !fields.has('items')) {
    const item = withNamespace(value, namespace);
    return [{ item, label: `${where} ${describeObject(wrap(() => Fields.of(item, ''), where))}` }];
  }
  const items = wrap(() => fields.array('items', (item) => item) ?? [], where);
  return items.map((raw, index) => {
    const label = `${where} items[${index}]`;
    const item = withNamespace(raw, namespace);
    return { item, label: `${label} ${describeObject(wrap(() => Fields.of(item, `items[${index}]`), label))}` };
  });
}

function describeObject(fields: Fields): string {
  const kind = fields.raw('kind');
  const metadata = fields.raw('metadata');
  const meta = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? Fields.of(metadata, 'metadata') : undefined;
  const name = meta?.raw('name');
  const namespace = meta?.raw('namespace');
  const kindText = typeof kind === 'string' ? kind : 'object';
  if (typeof name !== 'string') return kindText;
  return `${kindText} ${typeof namespace === 'string' && namespace !== '' ? `${namespace}/` : ''}${name}`;
}

function wrap<T>(read: () => T, label: string): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DecodeError) throw new StateError(`${label}: ${error.message}`);
    throw error;
  }
}

/** objectId names an object by kind, namespace and name: `NetworkPolicy team-a/allow-dns`. */
export function objectId(object: LoadedObject['object']): string {
  switch (object.kind) {
    case 'Namespace':
      return `Namespace ${object.namespace.name}`;
    case 'Pod':
      return `Pod ${object.pod.namespace}/${object.pod.name}`;
    case 'Workload':
      return `${object.workload.kind} ${object.workload.namespace}/${object.workload.name}`;
    case 'Service':
      return `Service ${object.service.namespace}/${object.service.name}`;
    case 'NetworkPolicy':
      return `NetworkPolicy ${object.policy.namespace}/${object.policy.name}`;
    case 'EndpointSlice':
      return `EndpointSlice ${object.endpointSlice.namespace}/${object.endpointSlice.name}`;
    case 'ClientIntents':
      return `ClientIntents ${intentsId(object.intents)}`;
  }
}
