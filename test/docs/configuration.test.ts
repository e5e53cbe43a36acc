import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, codeBlocks, runCommand, section } from './markdown.js';

/**
 * docs/configuration.md documents every field of the configuration file: the fields the parser
 * knows (it names them when it refuses an unknown one) each have a row or a section, and every
 * YAML example on the page is a configuration netfence loads.
 */

const CONFIGURATION_MD = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');

/** configFile writes a configuration to a temporary file and returns its path. */
function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'netfence-config-')), 'netfence.yaml');
  writeFileSync(path, text);
  return path;
}

/** knownFields are the fields netfence accepts at a place in the file, from the error an unknown field there gets. */
function knownFields(document: string): string[] {
  const { code, stderr } = runCommand(`netfence baseline team-c --config ${configFile(document)}`);
  expect(code).toBe(2);
  const known = /unknown field \(known: ([^)]*)\)/.exec(stderr)?.[1];
  expect(known, stderr).toBeDefined();
  return (known ?? '').split(', ');
}

describe('docs/configuration.md', () => {
  it('has a row for every top-level field', () => {
    const fields = knownFields('bogus: 1\n');
    expect(fields).toContain('mode');
    for (const field of fields) expect(CONFIGURATION_MD, field).toMatch(new RegExp(`^\\| \\[\`${field}\`\\]\\(#[a-z]+\\) \\|`, 'm'));
  });

  it.each([
    ['clusterDns', 'clusterDns: {bogus: 1}\n'],
    ['apiServer', 'apiServer: {bogus: 1}\n'],
    ['essentialServices', 'essentialServices: [{bogus: 1}]\n'],
    ['remediation', 'remediation: {bogus: 1}\n'],
    ['intents', 'intents: {bogus: 1}\n'],
    ['profiles', 'profiles: {x: [{bogus: 1}]}\n'],
  ])('documents every field of %s in its section', (parent, document) => {
    const text = section(CONFIGURATION_MD, `## \`${parent}\``);
    for (const field of knownFields(document)) expect(text, `${parent}.${field}`).toMatch(new RegExp(`\\b${field}\\b`));
  });

  it('documents every field of exempt and privileged that examples/netfence.yaml shows', () => {
    const example = parse(readFileSync(join(ROOT, 'examples', 'netfence.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
    for (const parent of ['exempt', 'privileged']) {
      const text = section(CONFIGURATION_MD, `## \`${parent}\``);
      for (const field of Object.keys(example[parent] ?? {})) expect(text, `${parent}.${field}`).toMatch(new RegExp(`\\b${field}:`));
    }
  });

  it('every YAML example is a configuration netfence loads', () => {
    const examples = codeBlocks(CONFIGURATION_MD).filter((block) => block.language === 'yaml');
    expect(examples.length).toBeGreaterThanOrEqual(8);
    for (const example of examples) {
      const { code, stderr } = runCommand(`netfence baseline team-c --config ${configFile(example.body)}`);
      expect({ code, stderr }, example.body).toEqual({ code: 0, stderr: '' });
    }
  });
});
