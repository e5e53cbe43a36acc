import type { ClusterState } from '../model/cluster-state.js';
import type { Config } from '../guardrails/config.js';
import type { EssentialServices } from '../guardrails/resolve-essential-services.js';
import type { Change } from '../guardrails/rules/change.js';

/**
 * AdmissionContext is what the handlers need: the current state and essential services (both may
 * change between requests), the configuration, and a hook told about every admitted change.
 */
export interface AdmissionContext {
  readonly config: Config;
  state(): ClusterState;
  essentials(): EssentialServices;
  /** admitted is called for each change that was allowed and is not a dry run. */
  admitted(change: Change): void;
  /** fresh says whether the state is up to date (false while a watch recovers): decisions are then logged as stale. */
  fresh?(): boolean;
}
