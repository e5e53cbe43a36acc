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

/** ruleIds are netfence's rules, in order, as `check --output sarif` describes them to code scanning. */
function ruleIds(): string[] {
  const { stdout } = runCommand('netfence check --state examples/cluster -n team-a --output sarif examples/manifests/allow-all-ingress.yaml');
  const sarif = JSON.parse(stdout) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } } }> };
  return sarif.runs[0]?.tool.driver.rules.map((rule) => rule.id) ?? [];
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
