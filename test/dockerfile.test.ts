import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The Dockerfile cannot be built here (no Docker engine), so what can break it is checked
 * statically: a multi-stage build whose runtime is a slim Node LTS image running as a non-root
 * user, `netfence serve` as entrypoint and command, every copied path present and not excluded by
 * .dockerignore, and production dependencies enough for everything the compiled code imports.
 */

const ROOT = join(import.meta.dirname, '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
  .join('\n')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim());
const stages = instructions.filter((line) => line.startsWith('FROM '));
const finalStage = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1] ?? ''));
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));

describe('Dockerfile', () => {
  it('builds with the full Node image and runs on a slim Node LTS image as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm AS build$/);
    expect(dockerfile).toMatch(/^ARG NODE_VERSION=(22|24)$/m);
    expect(stages[stages.length - 1]).toBe('FROM node:${NODE_VERSION}-bookworm-slim');
    expect(finalStage).toContain('USER 10001:10001');
    expect(finalStage).toContain('ENTRYPOINT ["netfence"]');
    expect(finalStage).toContain('CMD ["serve"]');
    // The memory settings the benchmarks run with (bench/measure.mjs IMAGE_RUNTIME) are the image's.
    const bench = readFileSync(join(ROOT, 'bench', 'measure.mjs'), 'utf8');
    expect(finalStage).toContain('ENV MALLOC_MMAP_THRESHOLD_=131072');
    expect(bench).toContain("env: { MALLOC_MMAP_THRESHOLD_: '131072' }");
    expect(finalStage).toContain('ENV NODE_OPTIONS=--max-semi-space-size=16');
    expect(bench).toContain("execArgv: ['--max-old-space-size=384', '--max-semi-space-size=16']"); // the chart's NODE_OPTIONS
    expect(finalStage.some((line) => line.startsWith('RUN npm'))).toBe(false); // no toolchain in the runtime image
    // The chart runs the same user: its pod securityContext says so.
    expect(readFileSync(join(ROOT, 'charts', 'netfence', 'templates', 'deployment.yaml'), 'utf8')).toContain('runAsUser: 10001');
  });

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const sources = instructions
      .filter((line) => line.startsWith('COPY ') && !line.includes('--from='))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).toBe(true);
      expect(ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)), `${source} is excluded by .dockerignore`).toBe(false);
    }
  });

  it('ships every package the compiled code imports as a production dependency', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; bin: Record<string, string> };
    expect(manifest.bin['netfence']).toBe('dist/cli/main.js');
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
    const builtins = new Set(builtinModules);
    const imported = new Set<string>();
    for (const file of files(join(ROOT, 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/^import (?!type )[^'"]*['"]([^'"]+)['"]/gm)) {
        const specifier = match[1] ?? '';
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier);
        imported.add(`${name} (${relative(ROOT, file)})`);
        expect(manifest.dependencies[name], `${name}, imported by ${relative(ROOT, file)}, must be a dependency`).toBeDefined();
      }
    }
    expect(imported.size).toBeGreaterThan(3);
  });
});
