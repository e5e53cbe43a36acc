import type { ClusterState } from '../../model/cluster-state.js';
import type { Endpoint } from '../../engine/connection.js';
import { parseIp } from '../../model/ip.js';
import type { Pod } from '../../model/pod.js';
import { formatSelector, isSelectAll, matchesSelector } from '../../model/selector.js';
import { templatePodName } from '../../model/workload.js';
import { WORKLOAD_KINDS } from '../../model/workload-kind.js';
import type { WorkloadKind } from '../../model/workload-kind.js';
import { parseLabelSelector } from './parse-selector.js';
import { UsageError } from '../usage-error.js';

/** KIND_NAMES are the spellings `--from`/`--to` take for a workload kind: kubectl's (any case, plural, short names). */
const KIND_NAMES: ReadonlyMap<string, WorkloadKind> = new Map(
  WORKLOAD_KINDS.flatMap((kind): Array<[string, WorkloadKind]> => [
    [kind.toLowerCase(), kind],
    [`${kind.toLowerCase()}s`, kind],
  ]).concat([
    ['deploy', 'Deployment'],
    ['sts', 'StatefulSet'],
    ['ds', 'DaemonSet'],
    ['rs', 'ReplicaSet'],
    ['cj', 'CronJob'],
    ['rc', 'ReplicationController'],
  ]),
);

const EXPECTED = `expected NAMESPACE/POD, NAMESPACE/KIND/NAME (a workload: ${WORKLOAD_KINDS.join(', ')}) or an IP address`;

/**
 * resolveEndpoint reads `--from`/`--to`: `NAMESPACE/POD` names a pod of the state,
 * `NAMESPACE/KIND/NAME` (`team-a/Deployment/web`, or kubectl's `deploy/web`) the pod template that
 * stands for a workload's pods, and an IPv4 or IPv6 address a host outside the cluster.
 */
export function resolveEndpoint(state: ClusterState, flag: string, text: string): Endpoint {
  const ip = parseIp(text);
  if (ip !== undefined) return { kind: 'ip', ip };
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === '')) throw new UsageError(`${flag} ${JSON.stringify(text)}: ${EXPECTED}`);
  const [namespace = '', ...rest] = parts;
  if (rest.length === 2) return workloadEndpoint(state, flag, text, namespace, rest[0] ?? '', rest[1] ?? '');
  const name = rest[0] ?? '';
  const pod = state.pod(namespace, name);
  if (pod !== undefined) return { kind: 'pod', pod };
  const known = state.podsIn(namespace).map((p) => p.name);
  const hint = known.length > 0 ? `pods in ${namespace}: ${known.slice(0, 10).join(', ')}` : `no pods in namespace ${namespace}`;
  throw new UsageError(`${flag} ${JSON.stringify(text)}: no such pod in the state (${hint})`);
}

function workloadEndpoint(state: ClusterState, flag: string, text: string, namespace: string, kindText: string, name: string): Endpoint {
  const kind = KIND_NAMES.get(kindText.toLowerCase());
  if (kind === undefined) throw new UsageError(`${flag} ${JSON.stringify(text)}: "${kindText}" is not a workload kind; ${EXPECTED}`);
  const pod = state.pod(namespace, templatePodName(kind, name));
  if (pod !== undefined) return { kind: 'pod', pod };
  const own = state.podsIn(namespace).filter((p) => p.workload !== undefined && !p.workload.template && p.workload.kind === kind && p.workload.name === name);
  if (own.length > 0) {
    const listed = own.slice(0, 10).map((p) => `${namespace}/${p.name}`);
    throw new UsageError(`${flag} ${JSON.stringify(text)}: the state holds the real pods of ${kind} ${namespace}/${name}, name one of them: ${listed.join(', ')}`);
  }
  const templates = state.podsIn(namespace).filter((p) => p.workload?.template === true);
  const hint = templates.length > 0 ? `workloads in ${namespace}: ${templates.slice(0, 10).map((p) => p.name).join(', ')}` : `no workload in namespace ${namespace} stands for its pods`;
  throw new UsageError(`${flag} ${JSON.stringify(text)}: no such workload in the state (${hint})`);
}

// --- selections: the endpoints one side of a question stands for ---------------------------------

/** SelectionKind is the form a side was given in; `all` is a side left out (or `*`): every pod of the state. */
export type SelectionKind = 'pod' | 'workload' | 'namespace' | 'labels' | 'ip' | 'all';

/**
 * Selection is one side of a question: what the user wrote, the form it was read as, the name the
 * output gives it (`team-a`, `team-b:app=db`, `team-a/Deployment/web`, `ns/pod`, the address) and
 * the endpoints it stands for, in the state's order (a pod once).
 */
export interface Selection {
  /** text is the flag's value; undefined for a side left out. */
  readonly text: string | undefined;
  readonly kind: SelectionKind;
  readonly name: string;
  readonly endpoints: readonly Endpoint[];
  /** namespace is the one namespace the selection lies in (none for `all`, an IP, or `*:SELECTOR`). */
  readonly namespace?: string;
  /** selector is a label query as the output prints it, kubectl's syntax (`app=web,tier in (a,b)`). */
  readonly selector?: string;
  /** workload is the workload a `NS/KIND/NAME` names, kind spelled as the API spells it. */
  readonly workload?: { readonly kind: WorkloadKind; readonly name: string };
}

const SELECTION_FORMS =
  'expected NAMESPACE (all its pods), NAMESPACE/POD, NAMESPACE/KIND/NAME (a workload), NAMESPACE:LABELS (a label query, e.g. team-a:app=web; *:LABELS in every namespace), * (every pod) or an IP address';

/** A namespace's name, as the API validates it (a DNS label). */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const podEndpoints = (pods: readonly Pod[]): Endpoint[] => pods.map((pod) => ({ kind: 'pod', pod }));

/** everyPod is a side left out: every pod of the state. */
export function everyPod(state: ClusterState): Selection {
  return { text: undefined, kind: 'all', name: 'the state', endpoints: podEndpoints(state.pods()) };
}

/**
 * resolveSelection reads `--from`/`--to` for simulate: an IP address (a host outside the cluster);
 * `*` (every pod); `NAMESPACE:LABELS` (the pods of the namespace that a kubectl label selector
 * matches; `*:LABELS` in every namespace; `NAMESPACE:` is every pod of it); `NAMESPACE/POD`;
 * `NAMESPACE/KIND/NAME` (a workload: its pods in the state, or the pod template standing for them);
 * or a bare `NAMESPACE` (every pod of it). A pod name cannot hold `:`, and a namespace name neither
 * `/` nor `:`, so no form can be read as another. A side that stands for no pod is an error.
 */
export function resolveSelection(state: ClusterState, flag: string, text: string): Selection {
  const ip = parseIp(text);
  if (ip !== undefined) return { text, kind: 'ip', name: ip.text, endpoints: [{ kind: 'ip', ip }] };
  const fail = (why: string): never => {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: ${why}`);
  };
  if (text === '*') return { ...everyPod(state), text };
  const colon = text.indexOf(':');
  if (colon >= 0) return labelSelection(state, text, text.slice(0, colon), text.slice(colon + 1), fail);
  if (text.includes('/')) {
    const parts = text.split('/');
    if (parts.length > 3 || parts.some((part) => part === '')) fail(SELECTION_FORMS);
    const [namespace = '', first = '', second] = parts;
    if (second === undefined) {
      const endpoint = resolveEndpoint(state, flag, text);
      return { text, kind: 'pod', name: text, endpoints: [endpoint], namespace };
    }
    return workloadSelection(state, text, namespace, first, second, fail);
  }
  if (!NAMESPACE_NAME.test(text)) fail(SELECTION_FORMS);
  return { text, kind: 'namespace', name: text, endpoints: podEndpoints(namespacePods(state, text, fail)), namespace: text };
}

/** namespacePods are the pods of a namespace the state holds, or an error saying it has none or does not exist. */
function namespacePods(state: ClusterState, namespace: string, fail: (why: string) => never): readonly Pod[] {
  const pods = state.podsIn(namespace);
  if (pods.length > 0) return pods;
  if (state.namespace(namespace) !== undefined) return fail(`namespace ${namespace} has no pods in the state`);
  const known = state.namespaces().map((ns) => ns.name);
  return fail(`no namespace ${JSON.stringify(namespace)} in the state (${known.length > 0 ? `namespaces: ${known.slice(0, 20).join(', ')}` : 'it holds no namespace'}); ${SELECTION_FORMS}`);
}

function labelSelection(state: ClusterState, text: string, namespace: string, query: string, fail: (why: string) => never): Selection {
  const everywhere = namespace === '*';
  if (!everywhere && !NAMESPACE_NAME.test(namespace)) fail(`${JSON.stringify(namespace)} is not a namespace name (or * for every namespace); ${SELECTION_FORMS}`);
  const parsed = parseLabelSelector(query);
  if ('error' in parsed) return fail(`bad label query: ${parsed.error}`);
  const { selector } = parsed;
  const candidates = everywhere ? state.pods() : namespacePods(state, namespace, fail);
  if (isSelectAll(selector)) {
    return everywhere ? { ...everyPod(state), text } : { text, kind: 'namespace', name: namespace, endpoints: podEndpoints(candidates), namespace };
  }
  const matched = candidates.filter((pod) => matchesSelector(selector, pod.labels));
  const printed = formatSelector(selector);
  if (matched.length === 0) fail(`the label query ${printed} matches no pod ${everywhere ? 'of the state' : `in namespace ${namespace}`}`);
  return { text, kind: 'labels', name: `${namespace}:${printed}`, endpoints: podEndpoints(matched), selector: printed, ...(everywhere ? {} : { namespace }) };
}

function workloadSelection(state: ClusterState, text: string, namespace: string, kindText: string, name: string, fail: (why: string) => never): Selection {
  const kind = KIND_NAMES.get(kindText.toLowerCase());
  if (kind === undefined) return fail(`"${kindText}" is not a workload kind (${WORKLOAD_KINDS.join(', ')}, or kubectl's names for them); ${SELECTION_FORMS}`);
  const base = { text, kind: 'workload' as const, name: `${namespace}/${kind}/${name}`, namespace, workload: { kind, name } };
  const template = state.pod(namespace, templatePodName(kind, name));
  if (template !== undefined) return { ...base, endpoints: podEndpoints([template]) };
  const own = state.podsIn(namespace).filter((p) => p.workload !== undefined && !p.workload.template && p.workload.kind === kind && p.workload.name === name);
  if (own.length > 0) return { ...base, endpoints: podEndpoints(own) };
  const workloads = [...new Set(state.podsIn(namespace).flatMap((p) => (p.workload === undefined ? [] : [`${p.workload.kind}/${p.workload.name}`])))];
  return fail(`no such workload in the state (${workloads.length > 0 ? `workloads in ${namespace}: ${workloads.slice(0, 10).join(', ')}` : `no workload in namespace ${namespace}`})`);
}
