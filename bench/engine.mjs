// Engine benchmarks (issue 2): truth tables and exact coverage, each against a baseline measured
// in the same run on the same machine.
//  - truth table: computeTruthTable (indexed, set-wise) vs evaluateConnection for every pair (naive);
//  - coverage: coversSelector over 200 selectors vs matching those 200 selectors against 1,000 pods
//    (what a checker that only looks at existing pods would do, and which cannot see future pods).
import { evaluateConnection } from '../dist/core/connection.js';
import { coversSelector } from '../dist/core/coverage.js';
import { matchesSelector } from '../dist/core/selector.js';
import { computeTruthTable } from '../dist/core/truth-table.js';
import { formatMs, measure, printTable } from './measure.mjs';
import { syntheticCluster } from './synthetic-cluster.mjs';

const PORT = { port: 8080, protocol: 'TCP' };

function truthTableRow(namespaces, podsPerNamespace, policiesPerNamespace, { naive }) {
  const { pods, policies, lookup } = syntheticCluster({ namespaces, podsPerNamespace, policiesPerNamespace });
  const endpoints = pods.map((pod) => ({ kind: 'pod', pod }));
  let allowed = 0;
  const indexed = measure(
    () => {
      const table = computeTruthTable(lookup, endpoints, endpoints, PORT);
      allowed = 0;
      for (let i = 0; i < endpoints.length; i++) for (let j = 0; j < endpoints.length; j++) if (table.allowed(i, j)) allowed++;
    },
    { rounds: 3, seconds: 0.5 },
  );
  let naiveMs;
  if (naive) {
    naiveMs = measure(
      () => {
        let count = 0;
        for (const from of endpoints) for (const to of endpoints) if (evaluateConnection(lookup, from, to, PORT).allowed) count++;
        if (count !== allowed) throw new Error(`truth table disagrees with evaluateConnection: ${count} vs ${allowed}`);
      },
      { rounds: 1, seconds: 0 },
    );
  }
  return {
    pods: pods.length,
    policies: policies.length,
    'pairs allowed': `${allowed}/${endpoints.length ** 2}`,
    'truth table': formatMs(indexed),
    'naive (every pair)': naiveMs === undefined ? '-' : formatMs(naiveMs),
    speedup: naiveMs === undefined ? '-' : `${(naiveMs / indexed).toFixed(1)}x`,
  };
}

function coverageSelectors(appCount, { dropOne }) {
  const apps = Array.from({ length: appCount }, (_, i) => `app-${i}`);
  const selectors = [];
  for (const app of apps) {
    selectors.push({ matchLabels: new Map([['app', app], ['track', 'stable']]), matchExpressions: [] });
    selectors.push({ matchLabels: new Map([['app', app]]), matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['stable'] }] });
  }
  selectors.push({ matchLabels: new Map(), matchExpressions: [{ key: 'app', operator: 'DoesNotExist', values: [] }] });
  selectors.push({ matchLabels: new Map(), matchExpressions: [{ key: 'app', operator: 'NotIn', values: apps }] });
  if (dropOne) selectors.splice(2 * Math.floor(appCount / 2) + 1, 1);
  return selectors;
}

function coverageRow(label, selectors) {
  const all = { matchLabels: new Map(), matchExpressions: [] };
  let answer;
  const exact = measure(() => {
    answer = coversSelector(all, selectors);
  });
  const { pods } = syntheticCluster({ namespaces: 50, podsPerNamespace: 20, policiesPerNamespace: 0 });
  const podMatching = measure(() => {
    let uncovered = 0;
    for (const pod of pods) if (!selectors.some((s) => matchesSelector(s, pod.labels))) uncovered++;
    return uncovered;
  });
  const detail = answer.kind === 'uncovered' ? `uncovered, e.g. ${JSON.stringify(Object.fromEntries(answer.counterexample))}` : answer.kind;
  return {
    case: label,
    selectors: selectors.length,
    answer: detail,
    'coversSelector': formatMs(exact),
    'match 1,000 pods': formatMs(podMatching),
    ratio: `${(exact / podMatching).toFixed(2)}x`,
  };
}

/** runEngineBenchmarks prints both tables. */
export function runEngineBenchmarks() {
  console.log('\n## Truth table (port 8080/TCP), indexed vs evaluateConnection on every pair\n');
  printTable([
    truthTableRow(10, 25, 10, { naive: true }),
    truthTableRow(25, 20, 10, { naive: true }),
    truthTableRow(50, 20, 10, { naive: true }),
    truthTableRow(50, 20, 40, { naive: false }),
    truthTableRow(100, 20, 10, { naive: false }),
  ]);
  console.log('\n## Exact coverage of {} (every pod) by 200 selectors vs matching them against 1,000 pods\n');
  printTable([
    coverageRow('covered (full partition)', coverageSelectors(99, { dropOne: false })),
    coverageRow('one piece missing', coverageSelectors(99, { dropOne: true })),
  ]);
}
