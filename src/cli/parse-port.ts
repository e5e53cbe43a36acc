import { isProtocol } from '../core/protocol.js';
import type { Port } from '../core/protocol.js';
import { UsageError } from './usage-error.js';

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
