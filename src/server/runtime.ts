import { setFlagsFromString } from 'node:v8';

/**
 * SERVER_V8_FLAGS are the V8 settings of a long-running netfence server (`serve`, and the
 * benchmarks' servers, which run as installed).
 *
 * `--no-allocation-site-pretenuring`: V8 watches which allocation sites make objects that survive
 * and then allocates theirs straight in the old generation. Building the state (the cluster cache,
 * a state directory) decodes thousands of objects that live on, so the decoders' sites are
 * pretenured; after that, every object a request decodes lands in the old generation too, holds the
 * request's young objects alive until a full collection, and each scavenge walks them. With 10,000
 * policies that was 1 MB promoted and 1.5 ms per scavenge (0 and 0.1 ms without pretenuring), and
 * at full load 64.6 instead of 45.4 µs of CPU per request (bare fastify 31). Not allowed in
 * NODE_OPTIONS, so netfence sets it itself.
 */
export const SERVER_V8_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

/** tuneRuntime applies SERVER_V8_FLAGS. Call it first, before any state is built: V8 reads it as it allocates. */
export function tuneRuntime(): void {
  for (const flag of SERVER_V8_FLAGS) setFlagsFromString(flag);
}
