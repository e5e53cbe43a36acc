#!/usr/bin/env node
// Keeps the pure core pure: files under src/core and src/k8s may import only each other (relative
// paths inside those folders). No node: built-ins, no packages (fastify, the Kubernetes client, pino)
// and nothing from the I/O layers. Prints each offending import with its file and line.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PURE = ['src/core', 'src/k8s'].map((dir) => join(root, dir));
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*\(?\s*['"]([^'"]+)['"]/;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

const problems = [];
for (const dir of PURE) {
  let files;
  try {
    files = [...sourceFiles(dir)];
  } catch {
    continue; // a pure folder that does not exist yet has nothing to check
  }
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const match = IMPORT.exec(line);
        const specifier = match?.[1] ?? match?.[2];
        if (specifier === undefined) return;
        const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : undefined;
        const pure = target !== undefined && PURE.some((allowed) => target.startsWith(allowed + '/'));
        if (!pure) problems.push(`${relative(root, file)}:${index + 1}: imports '${specifier}' (the pure core may import only src/core and src/k8s)`);
      });
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('lint: the pure core imports nothing outside src/core and src/k8s');
