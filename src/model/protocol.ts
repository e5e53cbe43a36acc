/** Protocol is a NetworkPolicy port protocol; TCP is the API's default. */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** PROTOCOLS lists every protocol the API accepts. */
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

/** isProtocol narrows a string to a Protocol. */
export function isProtocol(text: string): text is Protocol {
  return (PROTOCOLS as readonly string[]).includes(text);
}

/** Port is one concrete destination port of a connection, like `53/UDP`. */
export interface Port {
  readonly port: number;
  readonly protocol: Protocol;
}

/** formatPort prints a port as `80/TCP`. */
export function formatPort(port: Port): string {
  return `${port.port}/${port.protocol}`;
}
