// Engine benchmarks (issue 2): truth tables and exact coverage, each against a baseline measured
// in the same run on the same machine.
//  - truth table: computeTruthTable (indexed, set-wise) vs evaluateConnection for every pair (naive);
//  - coverage: coversSelector over 200 selectors vs matching those 200 selectors against 1,000 pods
//    (what a checker that only looks at existing pods would do, and which cannot see future pods);
//  - review: one /validate request's own work in-process (JSON.parse, parseAdmissionReview,
//    validate, the response and its JSON), by namespace size and shape (tenant.mjs), against the
//    same request in the 10-policy namespace of the same shape.
import { evaluateConnection } from '../dist/engine/connection.js';
import { coversSelector } from '../dist/engine/coverage.js';
import { matchesSelector } from '../dist/model/selector.js';
import { computeTruthTable } from '../dist/engine/truth-table.js';
import { completeReview } from '../dist/admission/admission-response.js';
import { parseAdmissionReview } from '../dist/admission/admission-request.js';
import { validate } from '../dist/admission/validate.js';
import { defaultConfig } from '../dist/config/defaults.js';
import { StandaloneContext } from '../dist/server/standalone-context.js';
import { EditableState } from '../dist/state/editable-state.js';
import { formatMs, measure, printTable } from './measure.mjs';
import { syntheticCluster } from './synthetic-cluster.mjs';
import { SHAPES, benchReview, benchState } from './tenant.mjs';

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

async function reviewRows() {
  const rows = [];
  const body = benchReview();
  for (const shape of SHAPES) {
    let smallest;
    for (const policies of [10, 100, 1000, 10000]) {
      const context = new StandaloneContext(new EditableState(await benchState(policies, shape)), defaultConfig());
      let decision;
      const ms = measure(() => {
        const request = parseAdmissionReview(JSON.parse(body));
        const answer = validate(request, context);
        decision = answer.decision;
        JSON.stringify(completeReview(request.uid, answer.response));
      });
      if (decision !== 'allow') throw new Error(`the benchmark request was not allowed (${shape}, ${policies} policies): ${decision}`);
      smallest ??= ms;
      rows.push({ namespace: shape, policies, 'per request': formatMs(ms), 'vs 10 policies': `${(ms / smallest).toFixed(2)}x` });
    }
  }
  return rows;
}

/** runEngineBenchmarks prints the three tables. */
export async function runEngineBenchmarks() {
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
  console.log('\n## One NetworkPolicy CREATE reviewed in-process (parse, rules, response), by namespace\n');
  printTable(await reviewRows());
}
