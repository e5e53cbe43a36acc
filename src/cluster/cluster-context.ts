import type { AdmissionContext } from '../admission/context.js';
import type { ClusterState } from '../model/cluster-state.js';
import type { Config } from '../guardrails/config.js';
import { resolveEssentialServices } from '../guardrails/resolve-essential-services.js';
import type { EssentialServices } from '../guardrails/resolve-essential-services.js';
import type { ClusterCache } from './cluster-cache.js';

/**
 * ClusterContext serves admission from the live cache. Essential services are resolved again only
 * when the pods or Services that locate them change, so their per-policy answers stay cached
 * across policy changes. Admitted changes need no bookkeeping: the watch brings them.
 */
export class ClusterContext implements AdmissionContext {
  private resolved: EssentialServices | undefined;
  private resolvedAt = -1;

  constructor(
    private readonly cache: ClusterCache,
    readonly config: Config,
  ) {}

  state(): ClusterState {
    return this.cache.snapshot();
  }

  essentials(): EssentialServices {
    const version = this.cache.servicesVersion();
    if (this.resolved === undefined || version !== this.resolvedAt) {
      this.resolved = resolveEssentialServices(this.cache.snapshot(), this.config);
      this.resolvedAt = version;
    }
    return this.resolved;
  }

  admitted(): void {}

  fresh(): boolean {
    return this.cache.healthy();
  }
}
