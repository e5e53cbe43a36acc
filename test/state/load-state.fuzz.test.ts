import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StateError, loadState } from '../../src/state/load-state.js';

/**
 * Fuzzing the YAML loader behind `check`, `simulate` and `audit`: the example cluster's files cut,
 * spliced and sprinkled with random characters, and random documents. Whatever the file holds, the
 * loader returns a state or a StateError: one line that names the file; never another exception.
 */

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'cluster');
const GITOPS = join(import.meta.dirname, '..', '..', 'examples', 'gitops');
const SOURCES = [
  ...['team-a.yaml', 'team-b.yaml', 'kube-system.yaml', 'namespaces.yaml'].map((name) => join(EXAMPLE, name)),
  ...['shop/api.yaml', 'shop/nightly-report.yaml', 'kube-system/coredns.yaml'].map((name) => join(GITOPS, name)),
  join(import.meta.dirname, '..', 'k8s', 'fixtures', 'workloads.yaml'),
  join(import.meta.dirname, 'fixtures', 'get-all-pods.yaml'),
].map((file) => readFileSync(file, 'utf8'));

async function loadText(text: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-fuzz-'));
  writeFileSync(join(dir, 'fuzzed.yaml'), text);
  try {
    await loadState(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(StateError);
    const message = error instanceof Error ? error.message : '';
    expect(message).toContain('fuzzed.yaml');
    expect(message.split('\n')).toHaveLength(1);
    expect(message).not.toMatch(/\n\s+at |\.ts:\d+/);
  }
}

const edit = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(': ', '- ', '\n  ', '{', '[', '"', '---\n', '*a', '&a ', '!!binary ', '<<: *x', 'null', '~', '1e999', '0x', '\t', '\u2028')) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
);

type Edit = { kind: 'cut' | 'insert' | 'delete'; at: number; text?: string; length?: number };

function apply(text: string, edits: readonly Edit[]): string {
  return edits.reduce((current, change) => {
    const at = current.length === 0 ? 0 : change.at % current.length;
    if (change.kind === 'cut') return current.slice(0, at);
    if (change.kind === 'insert') return current.slice(0, at) + (change.text ?? '') + current.slice(at);
    return current.slice(0, at) + current.slice(at + (change.length ?? 1));
  }, text);
}

describe('loading a state from fuzzed YAML', () => {
  it('answers every mangled example file with a state or one clear line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SOURCES), fc.array(edit, { minLength: 1, maxLength: 4 }), async (source, edits) => {
        await loadText(apply(source, edits));
      }),
      { numRuns: 300 },
    );
  });

  it('answers random documents the same way', async () => {
    const document = fc.record({
      apiVersion: fc.oneof(fc.constantFrom('v1', 'networking.k8s.io/v1', 'apps/v1', 'batch/v1'), fc.string()),
      kind: fc.oneof(
        fc.constantFrom('Namespace', 'Pod', 'Service', 'NetworkPolicy', 'EndpointSlice', 'List', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController'),
        fc.string(),
      ),
      metadata: fc.oneof(fc.record({ name: fc.string(), namespace: fc.string(), labels: fc.dictionary(fc.string(), fc.string()) }), fc.jsonValue()),
      spec: fc.jsonValue(),
      items: fc.jsonValue(),
    }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.array(document, { maxLength: 3 }), async (documents) => {
        await loadText(documents.map((value) => JSON.stringify(value)).join('\n---\n'));
      }),
      { numRuns: 300 },
    );
  });
});
