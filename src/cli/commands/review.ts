import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { completeReview } from '../../admission/admission-response.js';
import { parseAdmissionReview } from '../../admission/admission-request.js';
import type { AdmissionRequest } from '../../admission/admission-request.js';
import { WEBHOOKS, runHandler } from '../../admission/run-handler.js';
import type { WebhookName } from '../../admission/run-handler.js';
import { loadConfig } from '../../config/load-config.js';
import { DecodeError } from '../../k8s/decode.js';
import { StandaloneContext } from '../../server/standalone-context.js';
import { EditableState } from '../../state/editable-state.js';
import { STDIN_NAME, StateError, lineOf, loadState } from '../../state/load-state.js';
import type { Command, Io } from '../command.js';
import { readStdin } from '../input/stdin.js';
import { UsageError } from '../usage-error.js';

/** EXIT_DENIED is review's exit code when the webhook's answer is `allowed: false`. */
export const EXIT_DENIED = 1;

/** EXIT_BAD_OBJECT is review's exit code when the review is well-formed but its object is not one netfence can read. */
export const EXIT_BAD_OBJECT = 2;

const WEBHOOK_NAMES: readonly WebhookName[] = ['validate', 'mutate'];

function isWebhookName(name: string): name is WebhookName {
  return (WEBHOOK_NAMES as readonly string[]).includes(name);
}

/**
 * parseReviewText reads one AdmissionReview from JSON (as the API server POSTs it) or YAML. The
 * file is named `shown` in errors; a YAML error says its line.
 */
export function parseReviewText(text: string, shown: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: YAML, of which JSON is nearly a subset, says what is wrong and where.
  }
  const documents = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const values: unknown[] = [];
  for (const document of list) {
    const error = document.errors[0];
    if (error !== undefined) throw new StateError(`${shown}:${lineOf(text, error.pos[0])}: neither JSON nor YAML: ${error.message.split('\n')[0] ?? ''}`);
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      throw new StateError(`${shown}: YAML error: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (value !== null && value !== undefined) values.push(value);
  }
  const [value, ...more] = values;
  if (value === undefined) throw new StateError(`${shown}: empty: one AdmissionReview expected`);
  if (more.length > 0) throw new StateError(`${shown}: holds ${values.length} YAML documents: one AdmissionReview expected`);
  return value;
}


/** readRequest reads and parses `--request`: a file, or `-` for standard input. */
async function readRequest(path: string, io: Io): Promise<{ request: AdmissionRequest; shown: string }> {
  const shown = path === '-' ? STDIN_NAME : path;
  const text =
    path === '-'
      ? await readStdin(io)
      : await readFile(path, 'utf8').catch((error: unknown) => {
          throw new StateError(`${path}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
        });
  const body = parseReviewText(text, shown);
  try {
    return { request: parseAdmissionReview(body), shown };
  } catch (error) {
    // The message is the one the webhook's 400 carries for this body.
    if (error instanceof DecodeError) throw new StateError(`${shown}: not an AdmissionReview the webhook accepts (it answers 400 NETFENCE_BAD_REVIEW): ${error.message}`);
    throw error;
  }
}

/**
 * reviewCommand is `netfence review`: one AdmissionReview evaluated offline against a state, by the
 * same handler and response constructors as POST /validate (or /mutate), printing the response body
 * the webhook would send, byte for byte. Exit 0 allowed, 1 denied, 2 bad input. Its help is in help.ts.
 */
export const reviewCommand: Command = {
  name: 'review',
  usage: 'netfence review --state PATH --request FILE|- [--webhook validate|mutate] [--config F] [--verbose]',
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        state: { type: 'string' },
        request: { type: 'string' },
        webhook: { type: 'string', default: 'validate' },
        config: { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.state === undefined) throw new UsageError('--state PATH is required (a directory or a YAML file)');
    if (values.request === undefined) throw new UsageError('--request FILE is required (an AdmissionReview, JSON or YAML; - for standard input)');
    const webhook = values.webhook;
    if (!isWebhookName(webhook)) throw new UsageError(`--webhook must be ${WEBHOOK_NAMES.join(' or ')} (got ${JSON.stringify(webhook)})`);
    const config = await loadConfig(values.config);
    const { request, shown } = await readRequest(values.request, io);
    const loaded = await loadState(values.state, { listSkipped: values.verbose });
    for (const notice of loaded.notices) io.stderr(notice);

    const context = new StandaloneContext(new EditableState(loaded.state), config);
    const { decision, failure } = runHandler(WEBHOOKS[webhook], request, context);
    io.stdout(JSON.stringify(completeReview(request.uid, decision.response)));
    if (failure?.kind === 'bad-object') {
      io.stderr(`netfence review: ${shown}: the object is not one netfence can read (the webhook answers it with code 400): ${failure.message}`);
      return EXIT_BAD_OBJECT;
    }
    if (failure?.kind === 'internal') throw failure.error;
    return decision.response.allowed ? 0 : EXIT_DENIED;
  },
};
