import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * scripts/lint-layers.mjs (npm run lint) keeps the pure core stacked model -> engine -> guardrails
 * (intents beside guardrails, k8s on model). It passes on this checkout, and fails, naming the file,
 * the line and the rule, on a scratch tree with an import that runs the wrong way.
 */

const LINT = join(import.meta.dirname, '../../scripts/lint-layers.mjs');

function lint(root?: string): { status: number | null; out: string } {
  const result = spawnSync(process.execPath, [LINT, ...(root === undefined ? [] : [root])], { encoding: 'utf8' });
  return { status: result.status, out: result.stdout + result.stderr };
}

/** tree writes FILES (path under src/ -> text) into a fresh folder and returns it. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'netfence-lint-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'src', path)), { recursive: true });
    writeFileSync(join(root, 'src', path), text);
  }
  return root;
}

const SOUND = {
  'model/labels.ts': 'export type Labels = Record<string, string>;\n',
  'engine/coverage.ts': "import type { Labels } from '../model/labels.js';\nexport const none: Labels = {};\n",
  'guardrails/review.ts': "import { none } from '../engine/coverage.js';\nimport type { Labels } from '../model/labels.js';\nexport const x: Labels = none;\n",
  'intents/generate.ts': "import { x } from '../guardrails/review.js';\nexport const y = x;\n",
  'k8s/decode.ts': "import type { Labels } from '../model/labels.js';\nexport const z: Labels = {};\n",
  'cli/main.ts': "import { readFileSync } from 'node:fs';\nimport { y } from '../intents/generate.js';\nexport const w = [readFileSync, y];\n",
};

describe('lint-layers', () => {
  it('passes on this checkout', () => {
    const { status, out } = lint();
    expect(out).toMatch(/files keep the layering/);
    expect(status).toBe(0);
  });

  it('passes on a tree where every import runs down the stack (the I/O layers may import anything)', () => {
    expect(lint(tree(SOUND)).status).toBe(0);
  });

  it.each([
    ['model imports engine', 'model/pod.ts', "import { none } from '../engine/coverage.js';\n", 'src/model/pod.ts:1: model imports \'../engine/coverage.js\' (engine); model may import only model'],
    ['engine imports guardrails', 'engine/reach.ts', "import { x } from '../guardrails/review.js';\n", "src/engine/reach.ts:1: engine imports '../guardrails/review.js' (guardrails); engine may import only model, engine"],
    ['guardrails imports intents', 'guardrails/audit.ts', "\nimport { y } from '../intents/generate.js';\n", "src/guardrails/audit.ts:2: guardrails imports '../intents/generate.js' (intents)"],
    ['guardrails imports the I/O layers', 'guardrails/x.ts', "import { w } from '../cli/main.js';\n", "src/guardrails/x.ts:1: guardrails imports '../cli/main.js' (src/cli/main.js)"],
    ['k8s imports engine', 'k8s/pod.ts', "import { none } from '../engine/coverage.js';\n", "src/k8s/pod.ts:1: k8s imports '../engine/coverage.js' (engine); k8s may import only model, k8s"],
    ['the engine loads a package', 'engine/log.ts', "import pino from 'pino';\n", "src/engine/log.ts:1: engine imports 'pino' (a package or built-in)"],
    ['the model loads a built-in', 'model/fs.ts', "export { readFileSync } from 'node:fs';\n", "src/model/fs.ts:1: model imports 'node:fs' (a package or built-in)"],
    ['the model imports dynamically', 'model/lazy.ts', "export const load = () => import('../engine/coverage.js');\n", "src/model/lazy.ts:1: model imports '../engine/coverage.js' (engine)"],
  ])('fails when %s, naming file, line and rule', (_, path, text, message) => {
    const { status, out } = lint(tree({ ...SOUND, [path]: text }));
    expect(status).toBe(1);
    expect(out).toContain(message);
  });
});
