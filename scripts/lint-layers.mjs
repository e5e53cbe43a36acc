#!/usr/bin/env node
// Keeps the pure core pure and stacked (shared/DESIGN.md, "Shape of the code"):
//
//   model       the objects and their vocabulary      may import: model
//   engine      exact NetworkPolicy semantics         may import: model, engine
//   guardrails  review, rules, audit, baselines, ...  may import: model, engine, guardrails
//   intents     ClientIntents to policies             may import: model, engine, guardrails, intents
//   k8s         decoders from API objects             may import: model, k8s
//
// A file in one of these rooms imports only relative paths into the rooms it may use: no node:
// built-ins, no packages (fastify, the Kubernetes client, pino), nothing from the I/O layers above.
// Prints each offending import with its file and line and exits 1.
//
// Usage: node scripts/lint-layers.mjs [ROOT]   (ROOT defaults to this checkout; the test points it at a
// scratch tree to show that a wrong-way import fails).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

/** ROOMS maps each pure room to the rooms its files may import from. */
const ROOMS = {
  model: ['model'],
  engine: ['model', 'engine'],
  guardrails: ['model', 'engine', 'guardrails'],
  intents: ['model', 'engine', 'guardrails', 'intents'],
  k8s: ['model', 'k8s'],
};

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*\(?\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

/** roomOf names the room a path lies in, or undefined outside every pure room. */
function roomOf(path) {
  const inSrc = relative(join(root, 'src'), path);
  if (inSrc.startsWith('..')) return undefined;
  const first = inSrc.split(sep)[0];
  return first !== undefined && first in ROOMS ? first : undefined;
}

const problems = [];
let checked = 0;
for (const [room, allowed] of Object.entries(ROOMS)) {
  const dir = join(root, 'src', room);
  if (!existsSync(dir)) continue;
  for (const file of sourceFiles(dir)) {
    checked++;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const match = IMPORT.exec(line);
        const specifier = match?.[1] ?? match?.[2] ?? match?.[3];
        if (specifier === undefined) return;
        const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : undefined;
        const targetRoom = target === undefined ? undefined : roomOf(target);
        if (targetRoom !== undefined && allowed.includes(targetRoom)) return;
        const what = target === undefined ? `'${specifier}' (a package or built-in)` : `'${specifier}' (${targetRoom ?? relative(root, target)})`;
        problems.push(`${relative(root, file)}:${index + 1}: ${room} imports ${what}; ${room} may import only ${allowed.join(', ')}`);
      });
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`lint: ${checked} files keep the layering (model -> engine -> guardrails/intents; k8s on model)`);
