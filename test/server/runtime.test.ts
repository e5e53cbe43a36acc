import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = (path: string) => JSON.stringify(pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', path)).href);

/**
 * promotedAfterStateBuilt builds a state of 5,000 policies with the decoders, then decodes 80,000
 * policies as requests would and drops them, and returns the bytes V8's scavenges promoted to the
 * old generation meanwhile (its own GC trace). With `tuned`, tuneRuntime runs first, as in serve.
 */
function promotedAfterStateBuilt(tuned: boolean): number {
  const script = `
    import { decodeNetworkPolicy } from ${dist('k8s/network-policy.js')};
    import { tuneRuntime } from ${dist('server/runtime.js')};
    if (${tuned}) tuneRuntime();
    const policy = (i) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p-' + i, namespace: 'team', labels: { team: 'a' } },
      spec: { podSelector: { matchLabels: { app: 'app-' + i } }, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'x' } } }], ports: [{ port: 8080 }] }] } });
    const state = [];
    for (let i = 0; i < 5000; i++) state.push(decodeNetworkPolicy(policy(i)));
    gc(); // the state, young or not, to the old generation: what is promoted after is the requests'
    console.log('STATE BUILT');
    let kept = 0;
    for (let i = 0; i < 80000; i++) kept += decodeNetworkPolicy(policy(i)).ingress.length;
    console.log('DONE', kept, state.length);`;
  const run = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=4', '--trace-gc-nvp', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const afterState = run.stdout.slice(run.stdout.indexOf('STATE BUILT'));
  return [...afterState.matchAll(/\bgc=s\b.*?\bpromoted=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe('tuneRuntime', () => {
  it('keeps what requests decode out of the old generation once a state has been decoded', () => {
    const untuned = promotedAfterStateBuilt(false);
    const tuned = promotedAfterStateBuilt(true);
    // Untuned, V8 pretenures the decoders after the state: requests' objects are promoted by the
    // megabyte. (If this expectation fails, V8 changed and the setting may no longer be needed.)
    expect(untuned).toBeGreaterThan(4 * 1024 * 1024);
    expect(tuned).toBeLessThan(untuned / 4);
  });
});
