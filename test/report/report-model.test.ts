import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import type { ClusterState } from '../../src/model/cluster-state.js';
import { allowedPorts } from '../../src/engine/reachability.js';
import { ReachabilityMap } from '../../src/engine/reachability.js';
import type { Reachability, SideAccess } from '../../src/engine/reachability.js';
import { isTemplatePod } from '../../src/model/pod.js';
import { buildReportModel, encodeBits, encodeRow, reportPodClasses } from '../../src/report/report-model.js';
import type { ReportModel } from '../../src/report/report-model.js';
import { loadState } from '../../src/state/load-state.js';
import { pageQueries } from './model-queries.js';
import type { ReportQueries, SideAnswer } from './model-queries.js';

/**
 * The report's data model on the example clusters: the heatmap's counts against allowedPorts on
 * every pod pair, the workload cells adding up to them, and the page's explanations (the shipped
 * script, run in Node) against ReachabilityMap.explain on every class pair.
 */

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

async function reportOf(path: string): Promise<{ state: ClusterState; model: ReportModel; queries: ReportQueries }> {
  const { state } = await loadState(path);
  const model = buildReportModel({ state, config: defaultConfig(), source: path, generatedAt: '2026-01-01T00:00:00.000Z' });
  return { state, model, queries: pageQueries(model) };
}

/** sideOf is what the page should say of one side, from the engine's answer. */
function sideOf(side: SideAccess): Omit<SideAnswer, 'grants'> & { grants: Array<{ policy: string; index: number; ports: string }> } {
  return {
    direction: side.direction,
    isolated: side.isolated,
    selectedBy: [...side.selectedBy],
    grants: side.grants.map((grant) => ({ policy: grant.rule.policy, index: grant.rule.index, ports: grant.ports.format() })),
  };
}

function pageSide(side: SideAnswer): ReturnType<typeof sideOf> {
  return { direction: side.direction, isolated: side.isolated, selectedBy: side.selectedBy, grants: side.grants.map(({ policy, index, ports }) => ({ policy, index, ports })) };
}

function expected(reachability: Reachability): unknown {
  return { self: reachability.self, ports: reachability.ports.format(), egress: sideOf(reachability.egress), ingress: sideOf(reachability.ingress) };
}

const namespaceIndex = (model: ReportModel, name: string): number => model.namespaces.findIndex((namespace) => namespace.name === name);
const workloadIndex = (model: ReportModel, namespace: string, name: string): number =>
  model.workloads.findIndex((workload) => model.namespaces[workload.namespace]?.name === namespace && workload.name === name);

describe.each([
  ['examples/cluster', join(EXAMPLES, 'cluster')],
  ['examples/gitops (workload templates)', join(EXAMPLES, 'gitops')],
])('report model of %s', (_name, path) => {
  let state: ClusterState;
  let model: ReportModel;
  let queries: ReportQueries;
  beforeAll(async () => {
    ({ state, model, queries } = await reportOf(path));
  });

  it("explains every class pair as ReachabilityMap.explain does (the page's own script)", () => {
    const map = new ReachabilityMap(state, reportPodClasses(state));
    expect(model.classes.length).toBe(map.classes.length);
    for (let source = 0; source < model.classes.length; source++) {
      for (let target = 0; target < model.classes.length; target++) {
        const answer = queries.explainPair(source, target);
        expect({ ...answer, egress: pageSide(answer.egress), ingress: pageSide(answer.ingress) }).toEqual(expected(map.explain(source, target)));
        expect(answer.ports).toBe(map.ports(source, target).format());
      }
    }
  });

  it('counts, per namespace pair, the pod pairs with some allowed port: allowedPorts on every pod pair', () => {
    const pods = state.pods();
    const names = model.namespaces.map((namespace) => namespace.name);
    const counts = new Map<string, { reachable: number; total: number }>();
    for (const from of pods) {
      for (const to of pods) {
        // A pod and itself is no pair; a template and itself stands for its pods' connections to one another.
        if (from === to && !isTemplatePod(from)) continue;
        const key = `${from.namespace} ${to.namespace}`;
        const count = counts.get(key) ?? { reachable: 0, total: 0 };
        count.total += 1;
        if (!allowedPorts(state, { kind: 'pod', pod: from }, { kind: 'pod', pod: to }).ports.isEmpty()) count.reachable += 1;
        counts.set(key, count);
      }
    }
    names.forEach((from, a) => {
      names.forEach((to, b) => {
        expect(queries.namespaceCell(a, b), `${from} -> ${to}`).toEqual(counts.get(`${from} ${to}`) ?? { reachable: 0, total: 0 });
      });
    });
  });

  it("adds the workload cells of a namespace pair up to the namespace cell", () => {
    model.namespaces.forEach((from, a) => {
      model.namespaces.forEach((to, b) => {
        let reachable = 0;
        let total = 0;
        for (const source of from.workloads) {
          for (const target of to.workloads) {
            const cell = queries.workloadCell(source, target);
            reachable += cell.reachable;
            total += cell.total;
            expect(cell.ports.reduce((sum, entry) => sum + entry.pairs, 0)).toBe(cell.total);
          }
        }
        expect({ reachable, total }, `${from.name} -> ${to.name}`).toEqual(queries.namespaceCell(a, b));
      });
    });
  });

  it('puts every pod in exactly one workload of its namespace, and each namespace its own consecutive classes', () => {
    expect(model.workloads.reduce((sum, workload) => sum + workload.pods, 0)).toBe(state.pods().length);
    model.namespaces.forEach((namespace, index) => {
      const [start, end] = namespace.classes;
      for (let k = start; k < end; k++) expect(model.classes[k]?.namespace).toBe(index);
      for (const workload of namespace.workloads) expect(model.workloads[workload]?.namespace).toBe(index);
    });
  });
});

describe('report model of examples/cluster', () => {
  let model: ReportModel;
  let queries: ReportQueries;
  beforeAll(async () => {
    ({ model, queries } = await reportOf(join(EXAMPLES, 'cluster')));
  });

  it("marks kube-system's CoreDNS as cluster DNS, and team-b's reports as the one pod that cannot reach it", () => {
    const dns = model.services.findIndex((service) => service.name === 'cluster-dns');
    expect(dns).toBeGreaterThanOrEqual(0);
    const kubeSystem = namespaceIndex(model, 'kube-system');
    expect(model.namespaces[kubeSystem]?.hosts).toEqual([dns]);
    const coredns = workloadIndex(model, 'kube-system', 'coredns-5d78c9869d-*');
    expect(model.workloads[coredns]).toMatchObject({ kind: 'Pods', pods: 2, hosts: [dns] });

    const reports = workloadIndex(model, 'team-b', 'reports-7f9b6d5c4-h5x2n');
    expect(model.workloads[reports]?.cut).toEqual([dns]);
    expect(model.namespaces[namespaceIndex(model, 'team-b')]?.cut).toEqual([{ service: dns, pods: 1 }]);
    const cut = model.workloads.filter((workload) => workload.cut.length > 0).map((workload) => workload.name);
    expect(cut).toEqual(['reports-7f9b6d5c4-h5x2n']);

    // Its egress policy isolates it and no rule of it admits the DNS pods.
    const dnsClass = model.workloads[coredns]?.members[0]?.[0] ?? -1;
    const reportsClass = model.workloads[reports]?.members[0]?.[0] ?? -1;
    const answer = queries.explainPair(reportsClass, dnsClass);
    expect(answer.ports).toBe('no port');
    expect(answer.egress).toMatchObject({ isolated: true, selectedBy: ['team-b/reports-egress'], grants: [] });
    expect(answer.ingress.isolated).toBe(false);
  });

  it("lets ingress-nginx reach team-a's web on its http port, by web-from-ingress", () => {
    const controller = workloadIndex(model, 'ingress-nginx', 'ingress-nginx-controller-7c6974c4d8-m2vqz');
    const web = workloadIndex(model, 'team-a', 'web-6f7d9c8b5-2kq9x');
    expect(queries.workloadCell(controller, web)).toEqual({ reachable: 1, total: 1, ports: [{ ports: '8080/TCP', pairs: 1 }], pairs: expect.any(Array) });
    const webClass = model.workloads[web]?.members[0]?.[0] ?? -1;
    const controllerClass = model.workloads[controller]?.members[0]?.[0] ?? -1;
    const answer = queries.explainPair(controllerClass, webClass);
    expect(answer.ports).toBe('8080/TCP');
    expect(answer.egress.isolated).toBe(false);
    expect(answer.ingress.selectedBy).toEqual(['team-a/allow-prometheus-scrape', 'team-a/default-deny', 'team-a/web-from-ingress']);
    expect(answer.ingress.grants).toEqual([
      {
        policy: 'team-a/web-from-ingress',
        direction: 'Ingress',
        index: 0,
        text: 'from pods app.kubernetes.io/name=ingress-nginx in namespaces kubernetes.io/metadata.name=ingress-nginx on http/TCP',
        ports: '8080/TCP',
      },
    ]);
    // ingress-nginx reaches one of team-a's three pods.
    expect(queries.namespaceCell(namespaceIndex(model, 'ingress-nginx'), namespaceIndex(model, 'team-a'))).toEqual({ reachable: 1, total: 3 });
  });

  it("attaches the audit's findings to their namespaces", () => {
    const byNamespace = model.namespaces.map((namespace) => [namespace.name, namespace.findings.map((index) => model.findings[index]?.rule).sort()]);
    expect(byNamespace).toEqual([
      ['ingress-nginx', ['default-deny-missing', 'namespace-not-adopted']],
      ['kube-system', []],
      ['monitoring', ['default-deny-missing', 'namespace-not-adopted']],
      ['team-a', []],
      ['team-b', ['default-deny-missing', 'essential-egress', 'namespace-not-adopted']],
    ]);
    expect(model.namespaces.map((namespace) => namespace.adoption)).toEqual(['not adopted', 'exempt', 'not adopted', 'adopted (profile default)', 'not adopted']);
  });
});

describe('report model of workload templates (examples/gitops)', () => {
  it("groups a Deployment's template as one workload, whose pods reach one another as its policies say", async () => {
    const { model, queries } = await reportOf(join(EXAMPLES, 'gitops'));
    const web = workloadIndex(model, 'shop', 'web');
    expect(model.workloads[web]).toMatchObject({ kind: 'Deployment', template: true, pods: 1 });
    // One template against itself is one pair: its replicas' connections to one another.
    expect(queries.workloadCell(web, web).total).toBe(1);
  });
});

describe('encodings', () => {
  it('run-length encodes rows and writes bit sets six classes a character', () => {
    expect(encodeRow([0, 0, 0, 3, 1, 1])).toBe('0*3,3,1*2');
    expect(encodeRow([])).toBe('');
    expect(encodeBits(8, (index) => index === 0 || index === 7)).toBe('BC');
  });
});
