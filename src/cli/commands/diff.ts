import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load-config.js';
import { adoptionOf } from '../../guardrails/adoption.js';
import type { ClusterState } from '../../model/cluster-state.js';
import type { Config } from '../../guardrails/config.js';
import { policyId } from '../../model/network-policy.js';
import { renderProfile } from '../../guardrails/baseline.js';
import { diffReachability, hasChanges } from '../../engine/reachability-diff.js';
import { loadState } from '../../state/load-state.js';
import type { Command } from '../command.js';
import { adoptNamespace, applyManifests, readManifestSteps } from '../input/diff-change.js';
import { diffJson, formatDiff } from '../format/diff.js';
import type { DiffSource } from '../format/diff.js';
import { UsageError } from '../usage-error.js';

/** EXIT_CHANGED is diff's exit code when the change opens or closes some connection (0: nothing changes). */
export const EXIT_CHANGED = 1;

/** adoptionChange is the state with `namespace` adopted with its profile, and how to describe it (an exempt namespace stays as it is). */
function adoptionChange(state: ClusterState, namespace: string, profileFlag: string | undefined, config: Config): { after: ClusterState; source: DiffSource } {
  const found = state.namespace(namespace);
  if (found === undefined) throw new UsageError(`--adopt ${namespace}: the state has no namespace ${JSON.stringify(namespace)}`);
  const adoption = adoptionOf(found, config);
  if (adoption.kind === 'exempt') return { after: state, source: { kind: 'adopt', namespace, profile: undefined, adoption, policies: [] } };
  const name = profileFlag ?? (adoption.kind === 'adopted' ? adoption.profile : config.defaultProfile);
  const profile = config.profiles.get(name);
  if (profile === undefined) throw new UsageError(`--profile ${JSON.stringify(name)}: no such baseline profile (the configuration has ${[...config.profiles.keys()].join(', ')})`);
  return {
    after: adoptNamespace(state, namespace, profile),
    source: { kind: 'adopt', namespace, profile: name, adoption, policies: renderProfile(profile, namespace).map(policyId) },
  };
}

/**
 * diffCommand lists every connection a change opens or closes, with the exact ports: manifests
 * applied on top of a state (as `check` applies them), a second state, or a namespace adopted
 * with its baseline. Exit 0 when nothing changes, 1 when something does, 2 on bad input.
 */
export const diffCommand: Command = {
  name: 'diff',
  usage: 'netfence diff --state PATH (FILE... | - | --after PATH | --adopt NS [--profile P]) [-n NS] [--json] [--config F] [--user NAME] [--group G...] [--verbose]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        state: { type: 'string' },
        after: { type: 'string' },
        adopt: { type: 'string' },
        profile: { type: 'string' },
        json: { type: 'boolean', default: false },
        namespace: { type: 'string', short: 'n' },
        config: { type: 'string' },
        user: { type: 'string', default: 'netfence-diff' },
        group: { type: 'string', multiple: true, default: [] },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.state === undefined) throw new UsageError('--state PATH is required (a directory or a YAML file)');
    const forms = [positionals.length > 0, values.after !== undefined, values.adopt !== undefined].filter(Boolean).length;
    if (forms !== 1) throw new UsageError('give exactly one change: FILE... (manifests, - for standard input), --after PATH (a second state) or --adopt NS');
    if (values.profile !== undefined && values.adopt === undefined) throw new UsageError('--profile goes with --adopt NS');
    const config = await loadConfig(values.config);
    const loaded = await loadState(values.state, { listSkipped: values.verbose });
    for (const notice of loaded.notices) io.stderr(notice);
    const before = loaded.state;

    let after: ClusterState;
    let source: DiffSource;
    if (values.after !== undefined) {
      const second = await loadState(values.after, { listSkipped: values.verbose });
      for (const notice of second.notices) io.stderr(notice);
      after = second.state;
      source = { kind: 'after', path: values.after };
    } else if (values.adopt !== undefined) {
      ({ after, source } = adoptionChange(before, values.adopt, values.profile, config));
    } else {
      const manifests = await readManifestSteps(positionals, { strict: true, listSkipped: values.verbose, ...(values.namespace === undefined ? {} : { namespace: values.namespace }) }, io);
      for (const notice of manifests.notices) io.stderr(notice);
      const applied = applyManifests(before, manifests.steps, config, { username: values.user, groups: values.group }, loaded.intents);
      after = applied.after;
      source = { kind: 'manifests', applied };
    }

    const diff = diffReachability(before, after);
    io.stdout(values.json ? JSON.stringify(diffJson(diff, source)) : formatDiff(diff, source));
    return hasChanges(diff) ? EXIT_CHANGED : 0;
  },
};
