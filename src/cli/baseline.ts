import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load-config.js';
import { renderProfile } from '../core/baseline.js';
import { networkPolicyManifest } from '../core/manifest.js';
import type { Command } from './command.js';
import { UsageError } from './usage-error.js';

/** baselineCommand prints the baseline policies a namespace would get, as YAML (kubectl apply -f - takes it). */
export const baselineCommand: Command = {
  name: 'baseline',
  summary: 'print the baseline policies that would be provisioned in a namespace, as YAML',
  usage: 'netfence baseline NAMESPACE [--profile P] [--config F]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { profile: { type: 'string' }, config: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    const [namespace, ...extra] = positionals;
    if (namespace === undefined || extra.length > 0) throw new UsageError('expected exactly one NAMESPACE');
    const config = await loadConfig(values.config);
    const name = values.profile ?? config.defaultProfile;
    const profile = config.profiles.get(name);
    if (profile === undefined) throw new UsageError(`--profile ${name}: no such profile (profiles: ${[...config.profiles.keys()].join(', ')})`);
    const documents = renderProfile(profile, namespace).map((policy) => stringify(networkPolicyManifest(policy, { labels: policy.labels })).trimEnd());
    io.stdout(documents.map((document) => `---\n${document}`).join('\n'));
    return 0;
  },
};
