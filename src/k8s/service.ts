import { PROTOCOLS } from '../model/protocol.js';
import { SERVICE_TYPES } from '../model/service.js';
import type { Service, ServicePort } from '../model/service.js';
import { DecodeError, Fields, decodeString, integerIn, oneOf } from './decode.js';
import type { Path } from './decode.js';
import { decodeMetadata } from './metadata.js';

/** decodeService reads a v1 Service: selector, cluster IPs, ports (targetPort defaults to port) and type. */
export function decodeService(value: unknown): Service {
  const object = Fields.of(value, '');
  const { name, namespace } = decodeMetadata(object, true);
  const spec = object.requiredObject('spec');
  const selector = spec.stringMap('selector') ?? null;
  const clusterIPs = (spec.array('clusterIPs', decodeString) ?? [spec.string('clusterIP')].flatMap((ip) => (ip === undefined ? [] : [ip]))).filter(
    (ip) => ip !== '' && ip !== 'None',
  );
  const ports = spec.array('ports', decodeServicePort) ?? [];
  const type = oneOf(spec.string('type') ?? 'ClusterIP', SERVICE_TYPES, spec.child('type'));
  return { namespace, name, selector, clusterIPs, ports, ...(type === 'ClusterIP' ? {} : { type }) };
}

function decodeServicePort(value: unknown, path: Path): ServicePort {
  const fields = Fields.of(value, path);
  const port = fields.integer('port', 1, 65535);
  if (port === undefined) throw new DecodeError(fields.child('port'), 'is required');
  const protocol = oneOf(fields.string('protocol') ?? 'TCP', PROTOCOLS, fields.child('protocol'));
  const target = fields.raw('targetPort');
  const targetPort =
    target === undefined ? port : typeof target === 'string' ? target : integerIn(target, fields.child('targetPort'), 1, 65535);
  return { name: fields.string('name'), port, protocol, targetPort };
}
