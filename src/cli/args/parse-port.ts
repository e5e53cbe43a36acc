import type { PortQuery } from '../../engine/port-query.js';
import { isProtocol } from '../../model/protocol.js';
import type { Port, Protocol } from '../../model/protocol.js';
import { UsageError } from '../usage-error.js';

/** parsePort reads `PORT[/PROTO]` (`53/udp`, `8080`); the protocol defaults to TCP. */
export function parsePort(text: string): Port {
  const [number = '', protocolText = 'TCP', ...rest] = text.split('/');
  const protocol = protocolText.toUpperCase();
  const port = /^\d{1,5}$/.test(number) ? Number(number) : NaN;
  if (rest.length > 0 || !(port >= 1 && port <= 65535)) {
    throw new UsageError(`--port ${JSON.stringify(text)}: expected PORT[/PROTO] with PORT 1-65535, e.g. 53/UDP`);
  }
  if (!isProtocol(protocol)) {
    throw new UsageError(`--port ${JSON.stringify(text)}: protocol must be TCP, UDP or SCTP`);
  }
  return { port, protocol };
}

const PORT_FORMS = 'expected PORT, FROM-TO (a range), NAME (a named container port) or any, each with an optional /TCP, /UDP or /SCTP';

/** A container port's name, as the API validates it (IANA_SVC_NAME): 1-15 lowercase letters, digits and inner single dashes, a letter among them. */
const PORT_NAME = /^(?=.*[a-z])[a-z0-9](?:-?[a-z0-9])*$/;

function portNumber(text: string, whole: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new UsageError(`--port ${JSON.stringify(whole)}: ${JSON.stringify(text)} is not a port number 1-65535`);
  return port;
}

/**
 * parsePortQuery reads `--port`: `80`, `53/UDP`, a range `8080-8090[/PROTO]`, a named container
 * port `http[/PROTO]` (resolved on each destination pod), or `any[/PROTO]`. A number or a range
 * without a protocol is TCP, as in a NetworkPolicy; a name without one is the container port of that
 * name whatever its protocol, and `any` without one is every protocol.
 */
export function parsePortQuery(text: string): PortQuery {
  const parts = text.split('/');
  const [what = '', protocolText, ...rest] = parts;
  if (rest.length > 0 || what === '' || protocolText === '') throw new UsageError(`--port ${JSON.stringify(text)}: ${PORT_FORMS}`);
  let protocol: Protocol | undefined;
  if (protocolText !== undefined) {
    const upper = protocolText.toUpperCase();
    if (!isProtocol(upper)) throw new UsageError(`--port ${JSON.stringify(text)}: protocol must be TCP, UDP or SCTP`);
    protocol = upper;
  }
  if (what.toLowerCase() === 'any') return { kind: 'any', protocol };
  if (/^\d+$/.test(what)) return { kind: 'port', port: portNumber(what, text), protocol: protocol ?? 'TCP' };
  const range = /^(\d+)-(\d+)$/.exec(what);
  if (range !== null) {
    const from = portNumber(range[1] ?? '', text);
    const to = portNumber(range[2] ?? '', text);
    if (to < from) throw new UsageError(`--port ${JSON.stringify(text)}: the range ends before it starts (${from} > ${to})`);
    return { kind: 'range', from, to, protocol: protocol ?? 'TCP' };
  }
  if (what.length <= 15 && PORT_NAME.test(what)) return { kind: 'named', name: what, protocol };
  throw new UsageError(`--port ${JSON.stringify(text)}: ${PORT_FORMS}`);
}
