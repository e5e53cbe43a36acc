import type { JsonObject } from '../../model/manifest.js';
import type { PortQuery } from '../../engine/port-query.js';
import type { Selection } from '../args/resolve-endpoint.js';

/**
 * The query `simulate --json` echoes, as it was read: each side's text, the form it was taken for
 * and how many pods it stands for, and the port's form. Scripts can check that `team-a` was read
 * as a namespace and `http` as a named port.
 */

/** selectionJson is one side of the echoed query. */
export function selectionJson(selection: Selection): JsonObject {
  return {
    text: selection.text ?? null,
    kind: selection.kind,
    name: selection.name,
    pods: selection.endpoints.filter((endpoint) => endpoint.kind === 'pod').length,
    ...(selection.namespace === undefined ? {} : { namespace: selection.namespace }),
    ...(selection.selector === undefined ? {} : { selector: selection.selector }),
    ...(selection.workload === undefined ? {} : { workload: { kind: selection.workload.kind, name: selection.workload.name } }),
  };
}

/** portQueryJson is the echoed `--port`. */
export function portQueryJson(text: string, query: PortQuery): JsonObject {
  switch (query.kind) {
    case 'port':
      return { text, kind: 'port', port: query.port, protocol: query.protocol };
    case 'range':
      return { text, kind: 'range', from: query.from, to: query.to, protocol: query.protocol };
    case 'named':
      return { text, kind: 'named', name: query.name, protocol: query.protocol ?? null };
    case 'any':
      return { text, kind: 'any', protocol: query.protocol ?? null };
  }
}

/** queryJson is the `query` field of every `simulate --json` answer. */
export function queryJson(from: Selection, to: Selection, portText: string, port: PortQuery): JsonObject {
  return { from: selectionJson(from), to: selectionJson(to), port: portQueryJson(portText, port) };
}
