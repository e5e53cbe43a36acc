import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Interner, internPolicy } from '../../src/cluster/intern.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';
import { networkPolicy } from '../support/kube-objects.js';

/** Interning: equal parts of different policies are one object; nothing changes in meaning. */

const spec = (app: string) => ({
  podSelector: { matchLabels: { app } },
  policyTypes: ['Ingress', 'Egress'],
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }], ports: [{ port: 8080 }] }],
  egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] } }], ports: [{ port: 5432 }] }],
});

describe('internPolicy', () => {
  it('shares the selector, types and rules of equal policies in different namespaces, keeping names', () => {
    const interner = new Interner();
    const a = internPolicy(decodeNetworkPolicy(networkPolicy('team-a', 'web', spec('web'), { app: 'web' })), interner);
    const b = internPolicy(decodeNetworkPolicy(networkPolicy('team-b', 'web', spec('web'), { app: 'web' })), interner);
    expect(b.namespace).toBe('team-b');
    for (const part of ['labels', 'podSelector', 'policyTypes', 'ingress', 'egress'] as const) expect(b[part]).toBe(a[part]);
    const c = internPolicy(decodeNetworkPolicy(networkPolicy('team-c', 'api', spec('api'), { app: 'api' })), interner);
    expect(c.podSelector).not.toBe(a.podSelector);
    expect(c.podSelector.matchLabels.get('app')).toBe('api');
    expect(c.ingress).toBe(a.ingress); // same rules, different selector
  });

  it('changes nothing a rule reads: an interned policy equals the decoded one', () => {
    const interner = new Interner();
    internPolicy(decodeNetworkPolicy(networkPolicy('team-a', 'first', spec('web'))), interner);
    const decoded = decodeNetworkPolicy(networkPolicy('team-b', 'second', spec('web')));
    expect(internPolicy(decoded, interner)).toEqual(decoded);
    // Values that differ only in kind of content are never confused: port 53 vs "53"-named port, bigints.
    const named = decodeNetworkPolicy(networkPolicy('x', 'named', { podSelector: {}, egress: [{ ports: [{ port: 'dns' }] }] }));
    const numbered = decodeNetworkPolicy(networkPolicy('x', 'numbered', { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] }));
    expect(internPolicy(numbered, interner).egress).not.toBe(internPolicy(named, interner).egress);
  });
});

describe('Interner', () => {
  it('drops the entries of values nothing uses any more, so the table stays bounded', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const interner = new Interner();
    const kept: object[] = [];
    for (let i = 0; i < 20_000; i++) {
      const value = { i };
      const shared = interner.intern(`key-${i}`, value);
      if (i % 100 === 0) kept.push(shared);
      // WeakRef targets live at least until the current job ends: let collections happen.
      if (i % 2_000 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        gc();
      }
    }
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    interner.sweep();
    expect(interner.size()).toBeLessThan(2_000);
    expect(interner.size()).toBeGreaterThanOrEqual(kept.length);
    // What is still used is still shared.
    expect(interner.intern('key-100', { i: -1 })).toBe(kept[1]);
  });
});
