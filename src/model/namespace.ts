import type { Labels } from './labels.js';

/** METADATA_NAME_LABEL is the label the API server sets on every namespace to its own name. */
export const METADATA_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Namespace is a namespace's name and labels (the automatic name label included). */
export interface Namespace {
  readonly name: string;
  readonly labels: Labels;
  /** terminating: the namespace is being deleted (deletionTimestamp set): leave its policies alone. */
  readonly terminating?: boolean;
  /** uid is the API server's uid of a live namespace: Events name it, so `kubectl describe` finds them. */
  readonly uid?: string;
}

/**
 * withNameLabel returns the labels as the API server stores them: `kubernetes.io/metadata.name` is
 * always set to the namespace's name, whatever the manifest said.
 */
export function withNameLabel(name: string, labels: Labels): Labels {
  return new Map([...labels, [METADATA_NAME_LABEL, name]]);
}
