import type { Labels } from '../../model/labels.js';
import type { NetworkPolicy } from '../../model/network-policy.js';

/** Operation is an admission operation netfence reviews. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** Requester is who asks for a change, as the API server's `userInfo` says. */
export interface Requester {
  readonly username: string;
  readonly groups: readonly string[];
}

/** PolicyChange is a NetworkPolicy being created, updated or deleted. */
export interface PolicyChange {
  readonly kind: 'NetworkPolicy';
  readonly operation: Operation;
  readonly namespace: string;
  readonly name: string;
  /** policy is the object after the change (absent on DELETE). */
  readonly policy: NetworkPolicy | undefined;
  /** oldPolicy is the object before the change (UPDATE and DELETE). */
  readonly oldPolicy: NetworkPolicy | undefined;
  readonly requester: Requester;
}

/** NamespaceChange is a Namespace being created, updated or deleted. */
export interface NamespaceChange {
  readonly kind: 'Namespace';
  readonly operation: Operation;
  readonly name: string;
  readonly labels: Labels | undefined;
  readonly oldLabels: Labels | undefined;
  readonly requester: Requester;
}

/** PodChange is a Pod being created: only the provisioning gate looks at it. */
export interface PodChange {
  readonly kind: 'Pod';
  readonly operation: Operation;
  readonly namespace: string;
  readonly name: string;
  readonly requester: Requester;
}

/** Change is anything netfence reviews. */
export type Change = PolicyChange | NamespaceChange | PodChange;
