import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCommand, shownMismatch, transcripts } from './markdown.js';

/**
 * The README's five-minute tour runs as written: each command shown with its output prints that
 * output, run by the built CLI in the checkout (as the tour's `alias netfence=...` does).
 */

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README.md', () => {
  it('is a front door: at most 12 KB', () => {
    expect(Buffer.byteLength(README)).toBeLessThanOrEqual(12 * 1024);
  });

  it('keeps the two commands', () => {
    expect(README).toContain('npm ci && npm start     # builds netfence and serves the webhook on https://localhost:8443 (standalone)\nnpm ci && npm test      # type-checks, lints, builds and runs every test\n');
  });

  const tour = transcripts(README);
  it('shows commands with their output (check and simulate)', () => {
    expect(tour.map((t) => t.command.split(' ').slice(0, 2).join(' '))).toEqual(['netfence check', 'netfence simulate']);
  });

  it.each(tour.map((t) => [t.command.split('\n')[0] ?? '', t] as const))('%s prints what the tour shows', (_, transcript) => {
    const { stdout, stderr } = runCommand(transcript.command);
    expect(stderr).toBe('');
    expect(shownMismatch(stdout, transcript.shown)).toBeUndefined();
  });
});
