import type { AdmissionContext } from '../admission/context.js';
import type { Config } from '../guardrails/config.js';
import { withNameLabel } from '../model/namespace.js';
import { resolveEssentialServices } from '../guardrails/resolve-essential-services.js';
import type { EssentialServices } from '../guardrails/resolve-essential-services.js';
import type { Change } from '../guardrails/rules/change.js';
import type { EditableState } from '../state/editable-state.js';

/**
 * StandaloneContext serves admission from a file state. It applies every change it admits (dry
 * runs excepted), so that against a real API server a later request sees what an earlier one
 * created. Pods and Services never change here, so essential services are resolved once.
 */
export class StandaloneContext implements AdmissionContext {
  private readonly resolved: EssentialServices;

  constructor(
    private readonly editable: EditableState,
    readonly config: Config,
  ) {
    this.resolved = resolveEssentialServices(editable, config);
  }

  state(): EditableState {
    return this.editable;
  }

  essentials(): EssentialServices {
    return this.resolved;
  }

  admitted(change: Change): void {
    if (change.kind === 'NetworkPolicy') {
      if (change.operation === 'DELETE') this.editable.deletePolicy(change.namespace, change.name);
      else if (change.policy !== undefined) this.editable.putPolicy(change.policy);
      return;
    }
    if (change.kind === 'Pod') return;
    if (change.operation === 'DELETE') this.editable.deleteNamespace(change.name);
    else if (change.labels !== undefined) this.editable.putNamespace({ name: change.name, labels: withNameLabel(change.name, change.labels) });
  }
}
