import { cidrWithin, parseCidr } from '../model/ip.js';
import type { Cidr } from '../model/ip.js';
import { DIRECTIONS, defaultPolicyTypes } from '../model/network-policy.js';
import type { IpBlock, NetworkPolicy, Peer, PolicyPort, PolicyRule } from '../model/network-policy.js';
import { PROTOCOLS } from '../model/protocol.js';
import { DecodeError, Fields, decodeString, describe, integerIn, oneOf } from './decode.js';
import type { Path } from './decode.js';
import { decodeSelectorField } from './label-selector.js';
import { decodeMetadata } from './metadata.js';
import { isPortName } from './names.js';

/**
 * decodeNetworkPolicy reads a `networking.k8s.io/v1` NetworkPolicy with the API's meaning and
 * validation: policyTypes defaulted when absent, `from`/`to`/`ports` absent or empty meaning
 * "every", peers with exactly one kind of selector, ipBlock exceptions inside their block.
 */
export function decodeNetworkPolicy(value: unknown): NetworkPolicy {
  const object = Fields.of(value, '');
  const { name, namespace, labels } = decodeMetadata(object, true);
  const spec = object.requiredObject('spec');
  const podSelector = decodeSelectorField(spec, 'podSelector');
  const ingress = spec.array('ingress', (rule, path) => decodeRule(rule, path, 'from')) ?? [];
  const egress = spec.array('egress', (rule, path) => decodeRule(rule, path, 'to')) ?? [];
  const listed = spec.array('policyTypes', (type, path) => oneOf(decodeString(type, path), DIRECTIONS, path)) ?? [];
  const policyTypesDefaulted = listed.length === 0;
  const policyTypes = policyTypesDefaulted ? defaultPolicyTypes(egress.length) : new Set(listed);
  return { namespace, name, labels, podSelector, policyTypes, policyTypesDefaulted, ingress, egress };
}

function decodeRule(value: unknown, path: Path, side: 'from' | 'to'): PolicyRule {
  const rule = Fields.of(value, path);
  const peers = rule.array(side, decodePeer) ?? [];
  const ports = rule.array('ports', decodePort) ?? [];
  return { peers: peers.length === 0 ? null : peers, ports: ports.length === 0 ? null : ports };
}

function decodePeer(value: unknown, path: Path): Peer {
  const peer = Fields.of(value, path);
  const hasSelectors = peer.has('podSelector') || peer.has('namespaceSelector');
  if (peer.has('ipBlock')) {
    if (hasSelectors) throw new DecodeError(path, 'ipBlock cannot be combined with podSelector or namespaceSelector');
    return { kind: 'ipBlock', block: decodeIpBlock(peer.requiredObject('ipBlock')) };
  }
  if (!hasSelectors) throw new DecodeError(path, 'a peer must set podSelector, namespaceSelector or ipBlock');
  return {
    kind: 'pods',
    podSelector: decodeSelectorField(peer, 'podSelector'),
    namespaceSelector: peer.has('namespaceSelector') ? decodeSelectorField(peer, 'namespaceSelector') : null,
  };
}

function decodeCidr(value: unknown, path: Path): Cidr {
  const text = decodeString(value, path);
  const cidr = parseCidr(text);
  if (cidr === undefined) throw new DecodeError(path, `"${text}" is not a CIDR (e.g. 10.0.0.0/16 or fd00::/64)`);
  return cidr;
}

function decodeIpBlock(block: Fields): IpBlock {
  const cidr = decodeCidr(block.raw('cidr'), block.child('cidr'));
  const except = block.array('except', decodeCidr) ?? [];
  except.forEach((inner, index) => {
    if (!cidrWithin(inner, cidr)) {
      throw new DecodeError(`${block.child('except')}[${index}]`, `${inner.text} is not within cidr ${cidr.text}`);
    }
  });
  return { cidr, except };
}

function decodePort(value: unknown, path: Path): PolicyPort {
  const entry = Fields.of(value, path);
  const protocol = entry.oneOf('protocol', PROTOCOLS) ?? 'TCP';
  const port = entry.raw('port');
  const endPort = entry.integer('endPort', 1, 65535);
  if (port === undefined) {
    if (endPort !== undefined) throw new DecodeError(entry.child('endPort'), 'requires a numeric port');
    return { protocol, range: { kind: 'any' } };
  }
  if (typeof port === 'string') {
    if (!isPortName(port)) {
      throw new DecodeError(entry.child('port'), `"${port}" is neither a port number nor a valid port name (lowercase, ≤ 15 characters, a letter)`);
    }
    if (endPort !== undefined) throw new DecodeError(entry.child('endPort'), 'cannot be used with a named port');
    return { protocol, range: { kind: 'named', name: port } };
  }
  if (typeof port !== 'number') throw new DecodeError(entry.child('port'), `must be a port number or name (got ${describe(port)})`);
  const from = integerIn(port, entry.child('port'), 1, 65535);
  if (endPort !== undefined && endPort < from) {
    throw new DecodeError(entry.child('endPort'), `must be at least port ${from} (got ${endPort})`);
  }
  return { protocol, range: { kind: 'numbers', from, to: endPort ?? from } };
}
