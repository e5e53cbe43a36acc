import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultConfig } from '../../src/config/defaults.js';
import { parseConfig } from '../../src/config/parse-config.js';
import { DecodeError } from '../../src/k8s/decode.js';

/** The configuration file: defaults without one, every field validated with its path. */

describe('parseConfig', () => {
  it('needs no file: an empty document is the defaults of DESIGN.md', () => {
    const config = parseConfig(null);
    expect(config).toEqual(defaultConfig());
    expect(config.defaultMode).toBe('enforce');
    expect(config.exempt.namespaces).toEqual(['kube-system', 'kube-public', 'kube-node-lease']);
    expect(config.privileged).toEqual({ users: ['system:serviceaccount:netfence:netfence'], groups: ['system:masters'] });
    expect([...config.requiredDirections]).toEqual(['Ingress', 'Egress']);
    expect(config.severity['dns-tcp-missing']).toBe('warn');
  });

  it('reads every section', () => {
    const config = parseConfig(
      parse(`
mode: audit
namespace: platform
exempt: {namespaces: [legacy], users: [ci-bot], groups: [breakglass]}
privileged: {groups: [platform-admins]}
requiredDirections: [Ingress]
clusterDns: {namespace: dns, service: coredns, podLabels: {app: coredns}, nodeLocalAddresses: [169.254.25.10]}
apiServer: {cidrs: [10.0.0.1/32], ports: [6443]}
essentialServices:
- {name: scraper, direction: Ingress, namespaceLabels: {team: observability}, podLabels: {app: agent}, ports: [9100, 8080/TCP]}
profiles:
  strict:
  - name: deny-all
    spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
defaultProfile: strict
rules: {namespace-selector-all: "off", allow-all: warn}
onError: allow
remediation: {essentialEgress: true}
`),
    );
    expect(config.defaultMode).toBe('audit');
    expect(config.clusterDns).toMatchObject({ namespace: 'dns', service: 'coredns' });
    expect(config.clusterDns.nodeLocalAddresses.map((cidr) => cidr.text)).toEqual(['169.254.25.10/32']);
    expect(config.apiServer).toMatchObject({ enabled: true, ports: [{ port: 6443, protocol: 'TCP' }] });
    expect(config.essentialServices[0]).toMatchObject({ name: 'scraper', direction: 'Ingress', ports: [{ port: 9100 }, { port: 8080 }] });
    expect(config.profiles.get('strict')?.policies.map((policy) => policy.name)).toEqual(['deny-all']);
    expect(config.severity).toMatchObject({ 'namespace-selector-all': 'off', 'allow-all': 'warn', 'essential-egress': 'deny' });
    expect(config.onError).toBe('allow');
    expect(config.remediateEssentialEgress).toBe(true);
  });

  it.each([
    ['mode: strict', 'mode', /one of enforce, audit, off/],
    ['modes: enforce', 'modes', /unknown field \(known: mode, /],
    ['requiredDirections: [Inbound]', 'requiredDirections[0]', /Ingress, Egress/],
    ['rules: {allow-all: block}', 'rules.allow-all', /one of deny, warn, off/],
    ['defaultProfile: strict', 'defaultProfile', /no profile "strict"/],
    ['profiles: {none: []}', 'profiles.none', /reserved/],
    ['profiles: {p: [{name: x, spec: {podSelector: {matchLabels: {a: [1]}}}}]}', 'profiles.p[0].spec.podSelector.matchLabels.a', /must be a string/],
    ['essentialServices: [{name: x, direction: Egress, ports: [53/UDP]}]', 'essentialServices[0]', /needs podLabels\/namespaceLabels or cidrs/],
    ['essentialServices: [{name: x, direction: Egress, cidrs: [10.0.0.0/8], ports: [53/ICMP]}]', 'essentialServices[0].ports[0]', /TCP, UDP, SCTP/],
    ['clusterDns: {nodeLocalAddresses: [nope]}', 'clusterDns.nodeLocalAddresses[0]', /not an IP address or CIDR/],
  ])('rejects %s at %s', (yaml, path, reason) => {
    try {
      parseConfig(parse(yaml));
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
      if (error instanceof DecodeError) {
        expect(error.path).toBe(path);
        expect(error.reason).toMatch(reason);
      }
      return;
    }
    throw new Error('expected a DecodeError');
  });
});

describe('the example configuration', () => {
  it('examples/netfence.yaml is valid and documents every top-level field', async () => {
    const { loadConfig } = await import('../../src/config/load-config.js');
    const { readFileSync } = await import('node:fs');
    const path = new URL('../../examples/netfence.yaml', import.meta.url).pathname;
    const config = await loadConfig(path);
    expect(config.essentialServices.map((service) => service.name)).toEqual(['prometheus']);
    const text = readFileSync(path, 'utf8');
    for (const field of ['mode', 'namespace', 'exempt', 'privileged', 'requiredDirections', 'clusterDns', 'apiServer', 'essentialServices', 'profiles', 'defaultProfile', 'rules', 'onError', 'remediation']) {
      expect(text).toMatch(new RegExp(`^${field}:`, 'm'));
    }
  });
});
