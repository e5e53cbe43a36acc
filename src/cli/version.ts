import { readFileSync } from 'node:fs';

/** packageVersion is the version in netfence's package.json, beside dist/ (and src/) as installed. */
export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}
