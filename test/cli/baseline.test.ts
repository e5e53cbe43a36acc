import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { run } from '../support/cli.js';

/**
 * `netfence baseline NAMESPACE` prints only what netfence would provision: a namespace it never
 * provisions (exempt, or its own), a name the API server would refuse and a profile that provisions
 * nothing are refused with the reason, exit 2, nothing on stdout. (The printed YAML itself is tested
 * in check.test.ts.)
 */

function config(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-baseline-'));
  writeFileSync(join(dir, 'netfence.yaml'), text);
  return join(dir, 'netfence.yaml');
}

const NOT_A_NAME = "not a namespace name (an RFC 1123 label: lower-case letters, digits and '-', up to 63 characters, starting and ending with a letter or digit)";

describe('netfence baseline refuses what netfence never provisions', () => {
  it.each([
    [['kube-system'], "namespace kube-system is exempt (the configuration's exempt.namespaces: kube-system, kube-public, kube-node-lease): netfence leaves it alone and never provisions a baseline there"],
    [['kube-node-lease', '--profile', 'default'], "namespace kube-node-lease is exempt (the configuration's exempt.namespaces: kube-system, kube-public, kube-node-lease)"],
    [['netfence'], "namespace netfence is netfence's own (the configuration's namespace): always exempt, so that no policy cuts the webhook off from the API server; netfence never provisions a baseline there"],
    [['Bad_NS'], `"Bad_NS": ${NOT_A_NAME}`],
    [['team-'], `"team-": ${NOT_A_NAME}`],
    [['a'.repeat(64)], `"${'a'.repeat(64)}": ${NOT_A_NAME}`],
    [['team.a'], `"team.a": ${NOT_A_NAME}`],
    [['team-x', '--profile', 'none'], '--profile none: "none" is the opt-out (netfence.io/baseline: none), which provisions no policies; choose a profile (profiles: default)'],
    [['team-x', '--profile', 'strict'], '--profile strict: no such profile (profiles: default); define it under profiles in the configuration (--config)'],
  ])('%j', async (argv, message) => {
    const { code, out, err } = await run('baseline', ...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`netfence baseline: ${message}`);
    expect(err).toContain('Usage: netfence baseline NAMESPACE');
  });

  it('follows the configuration: its exempt namespaces and its own namespace', async () => {
    const file = config('namespace: platform-webhooks\nexempt:\n  namespaces: [legacy]\n');
    expect((await run('baseline', 'legacy', '--config', file)).err).toContain("netfence baseline: namespace legacy is exempt (the configuration's exempt.namespaces: legacy)");
    expect((await run('baseline', 'platform-webhooks', '--config', file)).err).toContain("netfence baseline: namespace platform-webhooks is netfence's own (the configuration's namespace)");
    // kube-system is exempt only because the default list says so; this configuration replaces the list.
    const printed = await run('baseline', 'kube-system', '--config', file);
    expect(printed.code).toBe(0);
    expect(parseAllDocuments(printed.out).map((document) => document.toJS().metadata.namespace)).toEqual(['kube-system']);
  });

  it('prints the baseline of a valid, guarded namespace: 63 characters, digits first', async () => {
    const name = `1${'a'.repeat(61)}9`;
    const { code, out } = await run('baseline', name);
    expect(code).toBe(0);
    expect(parseAllDocuments(out).map((document) => document.toJS().metadata.namespace)).toEqual([name]);
  });
});
