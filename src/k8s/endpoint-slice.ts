import { SERVICE_NAME_LABEL } from '../model/endpoint-slice.js';
import type { EndpointSlice, EndpointSlicePort } from '../model/endpoint-slice.js';
import { parseIp } from '../model/ip.js';
import type { IpAddress } from '../model/ip.js';
import { PROTOCOLS } from '../model/protocol.js';
import { DecodeError, Fields, decodeString, oneOf } from './decode.js';
import type { Path } from './decode.js';
import { decodeMetadata } from './metadata.js';

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;

/**
 * decodeEndpointSlice reads a discovery.k8s.io/v1 EndpointSlice: the addresses of the endpoints
 * that are ready (`conditions.ready` unset counts as ready, as the API documents) and the ports
 * that have a number. FQDN slices carry no address a NetworkPolicy can match: they decode empty.
 */
export function decodeEndpointSlice(value: unknown): EndpointSlice {
  const object = Fields.of(value, '');
  const { name, namespace, labels } = decodeMetadata(object, true);
  const addressType = oneOf(object.requiredString('addressType'), ADDRESS_TYPES, 'addressType');
  const endpoints = object.array('endpoints', (entry, path) => Fields.of(entry, path)) ?? [];
  const addresses =
    addressType === 'FQDN'
      ? []
      : endpoints
          .filter((endpoint) => endpoint.object('conditions')?.boolean('ready') !== false)
          .flatMap((endpoint) => endpoint.array('addresses', decodeAddress) ?? []);
  const ports = (object.array('ports', decodePort) ?? []).flatMap((port) => (port === undefined ? [] : [port]));
  return { namespace, name, serviceName: labels.get(SERVICE_NAME_LABEL), addresses, ports };
}

function decodeAddress(value: unknown, path: Path): IpAddress {
  const text = decodeString(value, path);
  const ip = parseIp(text);
  if (ip === undefined) throw new DecodeError(path, `"${text}" is not an IP address`);
  return ip;
}

/** decodePort reads a port; one without a number (it means "all ports") is left out. */
function decodePort(value: unknown, path: Path): EndpointSlicePort | undefined {
  const fields = Fields.of(value, path);
  const port = fields.integer('port', 1, 65535);
  if (port === undefined) return undefined;
  return { name: fields.string('name'), port, protocol: oneOf(fields.string('protocol') ?? 'TCP', PROTOCOLS, fields.child('protocol')) };
}
