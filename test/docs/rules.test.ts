import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, headings, runCommand, section, shownMismatch, transcripts } from './markdown.js';

/**
 * docs/rules.md shows every rule with one example: a command (a policy fed to `netfence check`, a
 * review replayed, an audit) and the message it prints. Each example runs as written against the
 * example cluster and prints what the page shows; the rules the page covers are exactly the rules
 * netfence has (as its SARIF output lists them, with their metadata).
 */

const RULES_MD = readFileSync(join(ROOT, 'docs', 'rules.md'), 'utf8');

/** sarifRules are netfence's rules, in order, as `check --output sarif` describes them to code scanning: id and default level. */
function sarifRules(): Array<{ id: string; level: string | undefined }> {
  const { stdout } = runCommand('netfence check --state examples/cluster -n team-a --output sarif examples/manifests/allow-all-ingress.yaml');
  const sarif = JSON.parse(stdout) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string; defaultConfiguration?: { level?: string } }> } } }> };
  return sarif.runs[0]?.tool.driver.rules.map((rule) => ({ id: rule.id, level: rule.defaultConfiguration?.level })) ?? [];
}

/** ruleIds are netfence's rule ids, in order. */
function ruleIds(): string[] {
  return sarifRules().map((rule) => rule.id);
}

const documented = headings(RULES_MD)
  .map((heading) => /^`([a-z-]+)`$/.exec(heading)?.[1])
  .filter((id): id is string => id !== undefined);

describe('docs/rules.md', () => {
  it('has one example section per rule, in netfence\'s order, and a table row for each', () => {
    const ids = ruleIds();
    expect(ids.length).toBeGreaterThanOrEqual(11);
    expect(documented).toEqual(ids);
    for (const id of ids) expect(RULES_MD, id).toContain(`| [\`${id}\`](#${id}) |`);
  });

  it("says in the table what denies and what warns, as netfence's defaults are, and that a finding predating the change warns", () => {
    const rules = sarifRules();
    expect(rules.length).toBeGreaterThanOrEqual(12);
    for (const { id, level } of rules) {
      const severity = new RegExp(`^\\| \\[\`${id}\`\\]\\(#${id}\\) \\| ([^|]*) \\|`, 'm').exec(RULES_MD)?.[1];
      expect(severity, id).toBeDefined();
      expect(severity?.split(';')[0], id).toBe(level === 'error' ? 'deny' : 'warn');
    }
    // The rules that compare the namespace before and after a change warn for what predates it.
    for (const id of ['essential-egress', 'essential-ingress', 'default-deny-missing', 'allow-all']) expect(RULES_MD, id).toContain(`| [\`${id}\`](#${id}) | deny; warn when it predates the change |`);
    // It says how such a warning reads: its first line starts with the marker (so a cut line keeps it).
    expect(RULES_MD).toContain('starts `predates this change: `');
    expect(RULES_MD).toMatch(/`preexisting: deny` \(\[configuration\.md\]\(configuration\.md#preexisting\)\)/);
  });

  it.each(documented)('%s: the example prints what the page shows, the rule among it', (id) => {
    const examples = transcripts(section(RULES_MD, `### \`${id}\``));
    expect(examples).toHaveLength(1);
    const [example] = examples;
    if (example === undefined) return;
    expect(example.shown).toContain(id);
    const { stdout, stderr } = runCommand(example.command);
    expect(stderr).toBe('');
    expect(shownMismatch(stdout, example.shown)).toBeUndefined();
  });
});

describe('docs/rules.md, how a change is judged', () => {
  const judged = section(RULES_MD, '## How a change is judged');
  const subsections = headings(judged).slice(1);

  it('explains what predates a change, adopted namespaces, hostNetwork pods and public entry points, with examples', () => {
    expect(subsections).toEqual(['A finding that predates the change warns', 'Adopted namespaces are judged with their baseline in place', 'Pods with `hostNetwork: true`', 'Public entry points']);
    for (const heading of subsections) expect(transcripts(section(judged, `### ${heading}`)), heading).toHaveLength(1);
  });

  it.each(subsections)('%s: the example prints what the page shows', (heading) => {
    const [example] = transcripts(section(judged, `### ${heading}`));
    if (example === undefined) return;
    const { stdout, stderr } = runCommand(example.command);
    expect(stderr).toBe('');
    expect(shownMismatch(stdout, example.shown)).toBeUndefined();
  });
});
