import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load-config.js';
import { resolveEssentialServices } from '../../guardrails/resolve-essential-services.js';
import { generateIntentPolicies } from '../../intents/generate.js';
import { proveIntentPolicies } from '../../intents/prove.js';
import type { IntentsProof } from '../../intents/prove.js';
import type { ClientIntents } from '../../model/client-intents.js';
import { intentsId } from '../../model/client-intents.js';
import { networkPolicyManifest } from '../../model/manifest.js';
import type { JsonObject } from '../../model/manifest.js';
import { STDIN_NAME, loadObjects, loadObjectsFromText, loadState, skippedNotices } from '../../state/load-state.js';
import type { Command, Io } from '../command.js';
import { readStdin } from '../input/stdin.js';
import { UsageError } from '../usage-error.js';

/** EXIT_NOT_PROVEN: the generated policies would not do what the intents say, so none is printed. */
const EXIT_NOT_PROVEN = 1;

/**
 * intentsCommand is `netfence intents generate`: the NetworkPolicies that ClientIntents call for,
 * proven against the state before they are printed (YAML for kubectl apply -f -, or a JSON List).
 * The intents are the state's and those of the FILEs (- is standard input).
 */
export const intentsCommand: Command = {
  name: 'intents',
  usage: 'netfence intents generate --state PATH [FILE... | -] [--output yaml|json] [--config F] [--verbose]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { state: { type: 'string' }, output: { type: 'string', short: 'o', default: 'yaml' }, config: { type: 'string' }, verbose: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: true,
    });
    const [subcommand, ...files] = positionals;
    if (subcommand !== 'generate') throw new UsageError(subcommand === undefined ? 'expected a subcommand: generate' : `unknown subcommand ${JSON.stringify(subcommand)}: expected generate`);
    if (values.state === undefined) throw new UsageError('--state PATH is required: the cluster the policies are generated for and proven on');
    if (values.output !== 'yaml' && values.output !== 'json') throw new UsageError(`--output ${values.output}: expected yaml or json`);
    const verbose = values.verbose === true;
    const config = await loadConfig(values.config);
    const loaded = await loadState(values.state, { listSkipped: verbose });
    for (const notice of loaded.notices) io.stderr(notice);
    const intents = [...loaded.intents, ...(await readIntents(files, io, verbose))];
    if (intents.length === 0) throw new UsageError('no ClientIntents: neither the state nor the FILEs hold any');
    const essentials = resolveEssentialServices(loaded.state, config);
    const generated = generateIntentPolicies(loaded.state, intents, essentials);
    for (const notice of generated.notices) io.stderr(`netfence intents: ${notice}`);
    const proof = proveIntentPolicies(loaded.state, generated, config, essentials);
    for (const line of proofLines(proof)) io.stderr(`netfence intents: ${line}`);
    if (proof.failures.length > 0) return EXIT_NOT_PROVEN;
    const manifests = generated.policies.map((policy) => networkPolicyManifest(policy, { labels: policy.labels }));
    if (values.output === 'json') io.stdout(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests } satisfies JsonObject, null, 2));
    else io.stdout(manifests.map((manifest) => `---\n${stringify(manifest).trimEnd()}`).join('\n'));
    return 0;
  },
};

/** readIntents reads the ClientIntents of the FILEs (refusing any other kind: these are intents files). */
async function readIntents(paths: readonly string[], io: Io, verbose: boolean): Promise<ClientIntents[]> {
  const intents: ClientIntents[] = [];
  for (const path of paths) {
    const read = path === '-' ? loadObjectsFromText(await readStdin(io), STDIN_NAME, { strict: true }) : await loadObjects(path, { strict: true });
    for (const notice of skippedNotices(path === '-' ? STDIN_NAME : path, read.skipped, verbose)) io.stderr(notice);
    for (const { object, label } of read.objects) {
      if (object.kind !== 'ClientIntents') throw new UsageError(`${label}: not a ClientIntents (the objects of the cluster belong in --state)`);
      intents.push(object.intents);
    }
  }
  const seen = new Set<string>();
  for (const object of intents) {
    if (seen.has(intentsId(object))) throw new UsageError(`ClientIntents ${intentsId(object)} is given twice`);
    seen.add(intentsId(object));
  }
  return intents;
}

/** proofLines say what was proven, what other policies open between governed pods, and every failure. */
function proofLines(proof: IntentsProof): string[] {
  const lines = proof.failures.map((failure) => `NOT PROVEN: ${failure}`);
  for (const opened of proof.openedElsewhere) lines.push(`also open, not declared: ${opened.from} -> ${opened.to} on ${opened.ports}, by ${opened.policies.join(', ')}`);
  const verdict = proof.failures.length === 0 ? 'proven' : `${proof.failures.length} failure(s): nothing printed`;
  lines.push(
    `${proof.policies} policies for ${proof.connections} declared connection(s) over ${proof.governedPods} governed pod(s), ${proof.pairs} pod pair(s) checked: ${verdict} ` +
      '(each declared connection open on exactly its ports; nothing else opened by them; essential services kept; every policy passes the guardrails)',
  );
  return lines;
}
