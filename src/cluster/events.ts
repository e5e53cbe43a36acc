import type { KubeClient } from './kube-client.js';
import { messageOf } from './policy-writer.js';

/** EVENT_NAMESPACE is where the API server keeps Events about cluster-scoped objects such as Namespaces. */
const EVENT_NAMESPACE = 'default';

/** EventSubject is the object an Event is about: a Namespace (cluster-scoped) or a namespaced object such as a ClientIntents. */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** namespace: the object's own; none for a cluster-scoped object. */
  readonly namespace?: string;
  readonly uid?: string;
}

/** EventType is an Event's type: Normal, or Warning for what someone should look at. */
export type EventType = 'Normal' | 'Warning';

/**
 * recordEvent posts a core/v1 Event about `subject`, as netfence's reconcilers report what they did,
 * and answers what went wrong (undefined when it was recorded). The API server keeps an Event about
 * a namespaced object in that object's namespace, and one about a cluster-scoped object in
 * `default` (it refuses either anywhere else: 422, involvedObject.namespace does not match); the
 * uid lets `kubectl describe` and `kubectl events --for` find it.
 */
export async function recordEvent(client: KubeClient, subject: EventSubject, type: EventType, reason: string, message: string, now: number): Promise<string | undefined> {
  const time = new Date(now).toISOString();
  const namespace = subject.namespace ?? EVENT_NAMESPACE;
  const event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: 'netfence-', namespace },
    involvedObject: {
      apiVersion: subject.apiVersion,
      kind: subject.kind,
      name: subject.name,
      ...(subject.namespace === undefined ? {} : { namespace: subject.namespace }),
      ...(subject.uid === undefined ? {} : { uid: subject.uid }),
    },
    reason,
    message,
    type,
    source: { component: 'netfence' },
    reportingComponent: 'netfence',
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
  return client.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, event).then(
    (response) => (response.status < 300 ? undefined : `HTTP ${response.status}${messageOf(response.body)}`),
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
}
