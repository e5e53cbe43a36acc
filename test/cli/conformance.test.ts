import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

/**
 * The Kubernetes e2e suite's NetworkPolicy truth tables, run through `netfence simulate --json`
 * exactly as a user would: every expected pair must agree (self pairs are not asserted upstream).
 */

const CASES = join(import.meta.dirname, '..', 'fixtures', 'conformance');

interface Expectation {
  readonly test: string;
  readonly port: string;
  readonly allowed: Record<string, Record<string, boolean>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function simulateTable(state: string, port: string): Promise<Record<string, Record<string, boolean>>> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['simulate', '--state', state, '--port', port, '--json'], {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
  });
  expect(err).toEqual([]);
  expect(code).toBe(0);
  const parsed: unknown = JSON.parse(out.join(''));
  if (!isRecord(parsed) || parsed['port'] !== port.toUpperCase() || !isRecord(parsed['allowed'])) {
    throw new Error(`unexpected simulate output: ${out.join('')}`);
  }
  const table: Record<string, Record<string, boolean>> = {};
  for (const [from, row] of Object.entries(parsed['allowed'])) {
    if (!isRecord(row)) throw new Error(`row ${from} is not an object`);
    table[from] = Object.fromEntries(Object.entries(row).map(([to, value]) => [to, value === true]));
  }
  return table;
}

describe('conformance with the Kubernetes e2e NetworkPolicy truth tables', () => {
  const cases = readdirSync(CASES).sort();

  it('has the cases to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const name of cases) {
    const expectation: Expectation = JSON.parse(readFileSync(join(CASES, name, 'expect.json'), 'utf8'));
    it(`${name}: ${expectation.test}`, async () => {
      const actual = await simulateTable(join(CASES, name, 'state.yaml'), expectation.port);
      const disagreements: string[] = [];
      let compared = 0;
      for (const [from, row] of Object.entries(expectation.allowed)) {
        for (const [to, allowed] of Object.entries(row)) {
          compared++;
          if (actual[from]?.[to] !== allowed) disagreements.push(`${from} -> ${to}: expected ${allowed}, got ${actual[from]?.[to]}`);
        }
      }
      expect(disagreements).toEqual([]);
      expect(compared).toBe(72);
    });
  }
});
