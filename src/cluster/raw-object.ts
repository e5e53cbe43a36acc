/** Readers for the untyped JSON the API server answers with, where no decoder applies (list envelopes, metadata). */

import { isRecord } from '../k8s/decode.js';

export { isRecord };

/** metadataString reads a string field of an object's or a list's `metadata` (name, resourceVersion, continue). */
export function metadataString(raw: unknown, field: string): string | undefined {
  const metadata = isRecord(raw) ? raw['metadata'] : undefined;
  const value = isRecord(metadata) ? metadata[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}
