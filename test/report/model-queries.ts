import { PAGE_MODEL_SCRIPT } from '../../src/report/page-model-script.js';
import type { ReportModel } from '../../src/report/report-model.js';

/** SideAnswer is one side of the page's explanation of a class pair. */
export interface SideAnswer {
  readonly direction: 'Ingress' | 'Egress';
  readonly isolated: boolean;
  readonly selectedBy: string[];
  readonly grants: Array<{ policy: string; direction: string; index: number; text: string; ports: string }>;
}

/** ReportQueries is what PAGE_MODEL_SCRIPT's reportQueries(model) returns. */
export interface ReportQueries {
  portsIndex(source: number, target: number): number;
  explainPair(source: number, target: number): { self: boolean; ports: string; egress: SideAnswer; ingress: SideAnswer };
  namespaceCell(a: number, b: number): { reachable: number; total: number };
  workloadCell(a: number, b: number): { reachable: number; total: number; ports: Array<{ ports: string; pairs: number }> };
}

/**
 * pageQueries runs the page's own model script (the text the page embeds) in Node on a model, as
 * the page sees it: through JSON.
 */
export function pageQueries(model: ReportModel): ReportQueries {
  const make = new Function('model', `${PAGE_MODEL_SCRIPT}\nreturn reportQueries(model);`) as (model: unknown) => ReportQueries;
  return make(JSON.parse(JSON.stringify(model)));
}
