import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, codeBlocks, headings, runCommand, runShell, section, shownMismatch } from './markdown.js';

/**
 * docs/intents.md, the intents page, run as a reader runs it: every `sh` block in order, in the
 * checkout, with sh (`netfence` is the built CLI), what it prints on stdout and stderr together as
 * a terminal shows it, compared with the plain block after it (`...` for lines left out). The page's
 * scratch directory, /tmp/netfence-tutorial, is a fresh directory per run. A block with no output
 * shown (filling the scratch directory) must succeed, printing at most the proof; a command must
 * exit as the page says.
 */

const INTENTS_MD = readFileSync(join(ROOT, 'docs', 'intents.md'), 'utf8');
const SCRATCH = '/tmp/netfence-tutorial';

/** Step is one `sh` block of the page and what the page shows it printing (undefined: nothing shown). */
interface Step {
  readonly command: string;
  readonly shown: string | undefined;
}

/** steps are the page's `sh` blocks in order, each with the plain block right after it, if any. */
function steps(markdown: string): Step[] {
  const blocks = codeBlocks(markdown);
  return blocks.flatMap((block, index) => {
    if (block.language !== 'sh') return [];
    const next = blocks[index + 1];
    const shows = next !== undefined && next.language === '' && markdown.slice(block.end, next.start).trim() === '';
    return [{ command: block.body.trimEnd(), shown: shows ? next.body.replace(/\n$/, '') : undefined }];
  });
}

/** EXPECTED_EXIT: the commands the page says exit 1 (something denied, not proven); every other block exits 0. */
const EXPECTED_EXIT: ReadonlyArray<readonly [RegExp, number]> = [
  [/^netfence simulate .*--from otterize-tutorial-npol --to /, 1],
  [/^netfence intents generate --state examples\/intents --config \/dev\/stdin/, 1],
];

function expectedExit(command: string): number {
  const flat = command.replace(/\\\n\s*/g, ' ');
  return EXPECTED_EXIT.find(([pattern]) => pattern.test(flat))?.[1] ?? 0;
}

describe('docs/intents.md, run as written', () => {
  const pageSteps = steps(INTENTS_MD);
  let scratch = '';
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'netfence-tutorial-'));
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('shows the tutorial: generate, simulate on the result, a second client, the gitops targets, the proof', () => {
    const shown = pageSteps.filter((step) => step.shown !== undefined).map((step) => step.command.split(/\s+/).slice(0, 3).join(' '));
    expect(shown).toEqual([
      'netfence intents generate',
      'netfence simulate --state',
      'netfence simulate --state',
      'netfence simulate --state',
      'netfence intents generate',
      'netfence intents generate',
      'netfence intents generate',
      'netfence intents generate',
    ]);
    // Each of the page's outcomes is there: proven, denied, the gap a hand-written policy leaves, not proven.
    expect(INTENTS_MD).toContain('ALLOWED: otterize-tutorial-npol/Deployment/client -> otterize-tutorial-npol/Deployment/server on 80/TCP');
    expect(INTENTS_MD).toMatch(/DENIED {3}2 pods in otterize-tutorial-npol \(Deployment\/client-other/);
    expect(INTENTS_MD).toContain('netfence intents: also open, not declared: ');
    expect(INTENTS_MD).toContain('netfence intents: NOT PROVEN: ');
  });

  it.each(pageSteps.map((step) => [step.command.split('\n')[0] ?? '', step] as const))('%s', (_, step) => {
    const run = runShell(step.command, new Map([[SCRATCH, scratch]]));
    expect(run.code, run.output).toBe(expectedExit(step.command));
    // A block that shows nothing prints at most the proof on stderr (its policies went to a file).
    if (step.shown === undefined) for (const line of run.output.split('\n').filter((text) => text !== '')) expect(line).toMatch(/^netfence intents: .*: proven \(/);
    else expect(shownMismatch(run.output, step.shown)).toBeUndefined();
  });
});

describe('docs/intents.md, what it says', () => {
  it('lists every ClientIntents version netfence reads, as its error for another version names them', () => {
    const { code, stderr } = runCommand(
      "netfence intents generate --state examples/intents - <<'EOF'\napiVersion: k8s.otterize.com/v0\nkind: ClientIntents\nmetadata: {name: x, namespace: otterize-tutorial-npol}\nspec: {}\nEOF",
    );
    expect(code).toBe(2);
    const versions = [...stderr.matchAll(/k8s\.otterize\.com\/(v\w+)/g)].map((match) => match[1] ?? '').filter((version) => version !== 'v0');
    expect(versions.length).toBeGreaterThanOrEqual(4);
    const table = section(INTENTS_MD, '## ClientIntents: what netfence reads');
    for (const version of versions) expect(table, version).toMatch(new RegExp(`^\\|[^\\n]*\`k8s\\.otterize\\.com/${version}\``, 'm'));
  });

  it("quotes the tutorial's ClientIntents as examples/intents holds it", () => {
    const file = parse(readFileSync(join(ROOT, 'examples', 'intents', 'client-intents.yaml'), 'utf8')) as unknown;
    const quoted = codeBlocks(section(INTENTS_MD, '## Tutorial: client, client-other and server')).filter((block) => block.language === 'yaml');
    expect(quoted).toHaveLength(1);
    expect(parse(quoted[0]?.body ?? '')).toEqual(file);
  });

  it('every ClientIntents it shows in YAML is read and generated for, on the tutorial cluster', () => {
    const state = mkdtempSync(join(tmpdir(), 'netfence-intents-state-'));
    try {
      for (const name of ['namespaces.yaml', 'kube-system.yaml', 'tutorial.yaml']) cpSync(join(ROOT, 'examples', 'intents', name), join(state, name));
      const yamlBlocks = codeBlocks(INTENTS_MD).filter((block) => block.language === 'yaml' && block.body.includes('kind: ClientIntents'));
      expect(yamlBlocks.length).toBeGreaterThanOrEqual(2);
      for (const block of yamlBlocks) {
        const run = runShell(`netfence intents generate --state ${state} - <<'EOF'\n${block.body}EOF`);
        expect(run.code, run.output).toBe(0);
        expect(run.output).toContain(': proven (');
      }
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });

  it("has a row for each exit code of the command's help", () => {
    const { stdout } = runCommand('netfence help intents');
    const codes = [...(/Exit codes:\n([\s\S]*?)\n\n/.exec(stdout)?.[1] ?? '').matchAll(/^ {2}(\d+) /gm)].map((match) => match[1] ?? '');
    expect(codes).toEqual(['0', '1', '2', '70']);
    const proof = section(INTENTS_MD, '## The proof');
    for (const code of codes) expect(proof, code).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });

  it('compares with the intents-operator and says to run one intents controller per cluster', () => {
    expect(headings(INTENTS_MD)).toEqual(expect.arrayContaining(["netfence and Otterize's intents-operator", 'One intents controller per cluster']));
    expect(section(INTENTS_MD, '## One intents controller per cluster')).toMatch(/never two/);
  });
});
