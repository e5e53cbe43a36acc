import { parseIp } from '../model/ip.js';
import type { IpAddress } from '../model/ip.js';
import type { ContainerPort, Pod } from '../model/pod.js';
import { PROTOCOLS } from '../model/protocol.js';
import { DecodeError, Fields, oneOf } from './decode.js';
import type { Path } from './decode.js';
import { decodeMetadata } from './metadata.js';
import { isPortName } from './names.js';
import { decodeController } from './owner-reference.js';

/**
 * decodePod reads a v1 Pod: labels, its controlling owner reference, `status.podIPs` (or `podIP`),
 * the ports of its containers and sidecars, and `spec.hostNetwork`.
 */
export function decodePod(value: unknown): Pod {
  const object = Fields.of(value, '');
  const { name, namespace, labels } = decodeMetadata(object, true);
  const controller = decodeController(object);
  const spec = object.object('spec');
  const containerPorts = decodePodSpecPorts(spec);
  const status = object.object('status');
  const podIPs = status?.array('podIPs', (entry, path) => {
    const fields = Fields.of(entry, path);
    return decodeIp(fields.requiredString('ip'), fields.child('ip'));
  });
  const podIP = status?.string('podIP');
  const ips = podIPs !== undefined && podIPs.length > 0 ? podIPs : podIP !== undefined && podIP !== '' ? [decodeIp(podIP, 'status.podIP')] : [];
  return { namespace, name, labels, ips, containerPorts, ...(controller === undefined ? {} : { controller }), ...decodeHostNetwork(spec) };
}

/** decodeHostNetwork reads a PodSpec's `hostNetwork`: `{ hostNetwork: true }` when it is true, else nothing (false is the default). */
export function decodeHostNetwork(spec: Fields | undefined): { hostNetwork?: true } {
  return spec?.boolean('hostNetwork') === true ? { hostNetwork: true } : {};
}

/**
 * decodePodSpecPorts reads the ports a PodSpec's named ports resolve against: every container's,
 * then those of sidecars (init containers with `restartPolicy: Always`), as the API server's own
 * lookup does since Kubernetes 1.32. Other init containers run to completion before the pod
 * serves; their ports are checked and not kept.
 */
export function decodePodSpecPorts(spec: Fields | undefined): ContainerPort[] {
  if (spec === undefined) return [];
  const containers = spec.array('containers', (container, path) => Fields.of(container, path)) ?? [];
  const initContainers = spec.array('initContainers', (container, path) => Fields.of(container, path)) ?? [];
  const ports = containers.flatMap((container) => container.array('ports', decodeContainerPort) ?? []);
  for (const container of initContainers) {
    const containerPorts = container.array('ports', decodeContainerPort) ?? [];
    if (container.string('restartPolicy') === 'Always') ports.push(...containerPorts);
  }
  return ports;
}

function decodeContainerPort(value: unknown, path: Path): ContainerPort {
  const fields = Fields.of(value, path);
  const port = fields.integer('containerPort', 1, 65535);
  if (port === undefined) throw new DecodeError(fields.child('containerPort'), 'is required');
  const protocol = oneOf(fields.string('protocol') ?? 'TCP', PROTOCOLS, fields.child('protocol'));
  // An empty name is no name, as in the API (the Go field is a plain string).
  const text = fields.string('name');
  const name = text === '' ? undefined : text;
  if (name !== undefined && !isPortName(name)) {
    throw new DecodeError(fields.child('name'), `"${name}" is not a valid port name (lowercase, ≤ 15 characters, a letter)`);
  }
  return { name, port, protocol };
}

function decodeIp(text: string, path: Path): IpAddress {
  const ip = parseIp(text);
  if (ip === undefined) throw new DecodeError(path, `"${text}" is not an IP address`);
  return ip;
}
