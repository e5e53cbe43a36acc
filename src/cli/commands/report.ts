import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load-config.js';
import type { ClusterState } from '../../model/cluster-state.js';
import { renderReportPage } from '../../report/render-page.js';
import { buildReportModel } from '../../report/report-model.js';
import { loadState } from '../../state/load-state.js';
import type { Command } from '../command.js';
import { UsageError } from '../usage-error.js';

/**
 * reportCommand writes `netfence report --html`: one self-contained HTML page of who can reach whom
 * (a namespace heatmap, each pair's workload matrix, each cell's explanation, the audit findings and
 * the essential services), from a state on files or from a live cluster. `--html -` writes the page
 * to standard output.
 */
export const reportCommand: Command = {
  name: 'report',
  usage: 'netfence report --html OUT [--state PATH [--verbose] | --kubeconfig F] [--config F]',
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        html: { type: 'string' },
        state: { type: 'string' },
        kubeconfig: { type: 'string' },
        config: { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.html === undefined || values.html === '') throw new UsageError('--html OUT is required: the file to write the page to (- for standard output)');
    if (values.state !== undefined && values.kubeconfig !== undefined) throw new UsageError('--kubeconfig and --state exclude each other');
    const config = await loadConfig(values.config);
    let state: ClusterState;
    let source: string;
    if (values.state !== undefined) {
      const loaded = await loadState(values.state, { listSkipped: values.verbose });
      for (const notice of loaded.notices) io.stderr(notice);
      state = loaded.state;
      source = values.state;
    } else {
      // Loaded only here: a report from files never loads the Kubernetes client.
      const { readLiveCluster } = await import('../input/live-cluster-state.js');
      const live = await readLiveCluster(values.kubeconfig, config, io, 'report', (snapshot) => snapshot.namespaces());
      state = live.state;
      source = live.client.server();
    }
    const model = buildReportModel({ state, config, source, generatedAt: new Date().toISOString() });
    const page = renderReportPage(model);
    const { counts } = model;
    const summary = `${counts.namespaces} namespaces, ${counts.pods} pods in ${counts.workloads} workloads, ${counts.policies} policies, ${counts.findings} audit findings`;
    if (values.html === '-') {
      io.stdout(page);
      io.stderr(`netfence report: ${summary}`);
    } else {
      try {
        await writeFile(values.html, page);
      } catch (error) {
        throw new UsageError(`cannot write --html ${values.html}: ${error instanceof Error ? error.message : String(error)}`);
      }
      io.stdout(`wrote ${values.html} (${Math.ceil(Buffer.byteLength(page) / 1024)} KiB): ${summary}`);
    }
    return 0;
  },
};
