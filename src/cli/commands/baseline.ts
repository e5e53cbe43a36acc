import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load-config.js';
import { OPT_OUT_PROFILE, renderProfile } from '../../guardrails/baseline.js';
import type { Config } from '../../guardrails/config.js';
import { networkPolicyManifest } from '../../model/manifest.js';
import { isNamespaceName } from '../../k8s/names.js';
import type { Command } from '../command.js';
import { UsageError } from '../usage-error.js';

/** exemption says why netfence never provisions a namespace (the config exempts it), if it does not. */
function exemption(namespace: string, config: Config): string | undefined {
  if (namespace === config.namespace) {
    return `namespace ${namespace} is netfence's own (the configuration's namespace): always exempt, so that no policy cuts the webhook off from the API server; netfence never provisions a baseline there`;
  }
  if (config.exempt.namespaces.includes(namespace)) {
    return `namespace ${namespace} is exempt (the configuration's exempt.namespaces: ${config.exempt.namespaces.join(', ')}): netfence leaves it alone and never provisions a baseline there`;
  }
  return undefined;
}

/** baselineCommand prints the baseline policies a namespace would get, as YAML (kubectl apply -f - takes it). */
export const baselineCommand: Command = {
  name: 'baseline',
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
    if (!isNamespaceName(namespace)) {
      throw new UsageError(`${JSON.stringify(namespace)}: not a namespace name (an RFC 1123 label: lower-case letters, digits and '-', up to 63 characters, starting and ending with a letter or digit)`);
    }
    const config = await loadConfig(values.config);
    const exempt = exemption(namespace, config);
    if (exempt !== undefined) throw new UsageError(exempt);
    const name = values.profile ?? config.defaultProfile;
    const profiles = [...config.profiles.keys()].join(', ');
    if (name === OPT_OUT_PROFILE) throw new UsageError(`--profile ${name}: "${OPT_OUT_PROFILE}" is the opt-out (netfence.io/baseline: ${OPT_OUT_PROFILE}), which provisions no policies; choose a profile (profiles: ${profiles})`);
    const profile = config.profiles.get(name);
    if (profile === undefined) throw new UsageError(`--profile ${name}: no such profile (profiles: ${profiles}); define it under profiles in the configuration (--config)`);
    const documents = renderProfile(profile, namespace).map((policy) => stringify(networkPolicyManifest(policy, { labels: policy.labels })).trimEnd());
    io.stdout(documents.map((document) => `---\n${document}`).join('\n'));
    return 0;
  },
};
