import { parseIp } from '../core/ip.js';
import type { IpAddress } from '../core/ip.js';
import type { ContainerPort, Pod } from '../core/pod.js';
import { PROTOCOLS } from '../core/protocol.js';
import { DecodeError, Fields, oneOf } from './decode.js';
import type { Path } from './decode.js';
import { decodeMetadata } from './metadata.js';

/** decodePod reads a v1 Pod: labels, `status.podIPs` (or `podIP`) and the containers' ports. */
export function decodePod(value: unknown): Pod {
  const object = Fields.of(value, '');
  const { name, namespace, labels } = decodeMetadata(object, true);
  const spec = object.object('spec');
  const containers = spec?.array('containers', (container, path) => Fields.of(container, path)) ?? [];
  const containerPorts = containers.flatMap((container) => container.array('ports', decodeContainerPort) ?? []);
  const status = object.object('status');
  const podIPs = status?.array('podIPs', (entry, path) => {
    const fields = Fields.of(entry, path);
    return decodeIp(fields.requiredString('ip'), fields.child('ip'));
  });
  const podIP = status?.string('podIP');
  const ips = podIPs !== undefined && podIPs.length > 0 ? podIPs : podIP !== undefined && podIP !== '' ? [decodeIp(podIP, 'status.podIP')] : [];
  return { namespace, name, labels, ips, containerPorts };
}

function decodeContainerPort(value: unknown, path: Path): ContainerPort {
  const fields = Fields.of(value, path);
  const port = fields.integer('containerPort', 1, 65535);
  if (port === undefined) throw new DecodeError(fields.child('containerPort'), 'is required');
  const protocol = oneOf(fields.string('protocol') ?? 'TCP', PROTOCOLS, fields.child('protocol'));
  return { name: fields.string('name'), port, protocol };
}

function decodeIp(text: string, path: Path): IpAddress {
  const ip = parseIp(text);
  if (ip === undefined) throw new DecodeError(path, `"${text}" is not an IP address`);
  return ip;
}
