import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { Config } from '../guardrails/config.js';
import { DecodeError } from '../k8s/decode.js';
import { defaultConfig } from './defaults.js';
import { parseConfig } from './parse-config.js';

/** ConfigError is a bad configuration file: its message names the file and the field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** loadConfig reads and validates the configuration file, or returns the defaults when there is none. */
export async function loadConfig(path: string | undefined): Promise<Config> {
  if (path === undefined) return defaultConfig();
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new ConfigError(`${path}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
  });
  let document: unknown;
  try {
    document = parse(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`${path}: YAML error: ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}`);
  }
  try {
    return parseConfig(document);
  } catch (error) {
    if (error instanceof DecodeError) throw new ConfigError(`${path}: ${error.message}`);
    throw error;
  }
}
