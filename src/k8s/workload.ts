import { NO_LABELS, formatLabels, labelsOf } from '../model/labels.js';
import type { Labels } from '../model/labels.js';
import { formatSelector, isSelectAll, matchesSelector } from '../model/selector.js';
import type { LabelSelector } from '../model/selector.js';
import type { Workload } from '../model/workload.js';
import type { WorkloadKind } from '../model/workload-kind.js';
import { DecodeError, Fields } from './decode.js';
import { decodeSelectorField } from './label-selector.js';
import { decodeMetadata } from './metadata.js';
import { LABEL_SYNTAX, labelValueProblem } from './names.js';
import { decodeController } from './owner-reference.js';
import { decodeHostNetwork, decodePodSpecPorts } from './pod.js';

/** MAX_REPLICAS is the largest `replicas` the API accepts (an int32). */
const MAX_REPLICAS = 2_147_483_647;

/** JOB_NAME_LABELS are the labels the API server gives a Job's pod template, set to the Job's name, unless its selector is manual. */
const JOB_NAME_LABELS = ['job-name', 'batch.kubernetes.io/job-name'] as const;

/** CONTROLLER_UID_LABELS are the labels the API server gives a Job's pod template, set to the Job's uid, unless its selector is manual. */
const CONTROLLER_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'] as const;

/**
 * decodeWorkload reads a Deployment, StatefulSet, DaemonSet or ReplicaSet (apps/v1), a Job or
 * CronJob (batch/v1) or a ReplicationController (v1): its controller, and the pod template it makes
 * pods from (`spec.template`, a CronJob's `spec.jobTemplate.spec.template`). As the API server
 * does, it requires the template, and a selector that selects the template's labels where the kind
 * has one.
 */
export function decodeWorkload(value: unknown, kind: WorkloadKind): Workload {
  const object = Fields.of(value, '');
  const { name, namespace } = decodeMetadata(object, true);
  const uid = object.object('metadata')?.string('uid') || undefined;
  const controller = decodeController(object);
  const spec = object.requiredObject('spec');
  const identity = { kind, namespace, name, uid, controller };
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet': {
      const selector = requiredSelector(spec, kind);
      const template = decodeTemplate(spec.requiredObject('template'));
      checkSelects(selector, template.labels, template.fields, kind);
      const replicas = kind === 'DaemonSet' ? undefined : spec.integer('replicas', 0, MAX_REPLICAS);
      return { ...identity, retired: kind === 'ReplicaSet' && controller !== undefined && replicas === 0, ...template.pods };
    }
    case 'ReplicationController': {
      const template = decodeTemplate(spec.requiredObject('template'));
      // An absent or empty selector defaults to the template's labels.
      const selector = spec.stringMap('selector', LABEL_SYNTAX);
      if (selector !== undefined && selector.size > 0) checkSelects({ matchLabels: selector, matchExpressions: [] }, template.labels, template.fields, kind);
      const replicas = spec.integer('replicas', 0, MAX_REPLICAS);
      return { ...identity, retired: controller !== undefined && replicas === 0, ...template.pods };
    }
    case 'Job': {
      const job = decodeJobSpec(spec, { name, uid });
      return { ...identity, retired: jobFinished(object), ...job };
    }
    case 'CronJob': {
      const jobTemplate = spec.requiredObject('jobTemplate');
      jobTemplate.object('metadata')?.stringMap('labels', LABEL_SYNTAX);
      // The Jobs' names (and so their job-name labels) are made at each run.
      const job = decodeJobSpec(jobTemplate.requiredObject('spec'), undefined);
      return { ...identity, retired: false, ...job };
    }
  }
}

interface Template {
  readonly fields: Fields;
  readonly labels: Labels;
  readonly pods: Pick<Workload, 'labels' | 'containerPorts' | 'hostNetwork'>;
}

/** decodeTemplate reads a PodTemplateSpec: its labels (its namespace, if any, is ignored: pods land in the workload's), ports and hostNetwork. */
function decodeTemplate(template: Fields, extraLabels: Labels = NO_LABELS): Template {
  const metadata = template.object('metadata');
  const own = metadata?.stringMap('labels', LABEL_SYNTAX) ?? NO_LABELS;
  metadata?.checkStringMap('annotations');
  const labels = extraLabels.size === 0 ? own : labelsOf([...own, ...[...extraLabels].filter(([key]) => !own.has(key))]);
  const spec = template.object('spec');
  return { fields: template, labels, pods: { labels, containerPorts: decodePodSpecPorts(spec), ...decodeHostNetwork(spec) } };
}

/** decodeJobSpec reads a JobSpec; `job` is the Job's name and uid when known (not for a CronJob's template), for the labels the API server adds. */
function decodeJobSpec(spec: Fields, job: { name: string; uid: string | undefined } | undefined): Pick<Workload, 'labels' | 'containerPorts' | 'hostNetwork'> {
  const manual = spec.boolean('manualSelector') === true;
  if (manual && !spec.has('selector')) throw new DecodeError(spec.child('selector'), 'is required when manualSelector is true');
  const generated: Array<[string, string]> = [];
  if (!manual && job !== undefined) {
    if (labelValueProblem(job.name) === undefined) for (const key of JOB_NAME_LABELS) generated.push([key, job.name]);
    if (job.uid !== undefined && labelValueProblem(job.uid) === undefined) for (const key of CONTROLLER_UID_LABELS) generated.push([key, job.uid]);
  }
  const template = decodeTemplate(spec.requiredObject('template'), labelsOf(generated));
  if (spec.has('selector')) checkSelects(decodeSelectorField(spec, 'selector'), template.labels, template.fields, 'Job');
  return template.pods;
}

function requiredSelector(spec: Fields, kind: WorkloadKind): LabelSelector {
  if (!spec.has('selector')) throw new DecodeError(spec.child('selector'), 'is required');
  const selector = decodeSelectorField(spec, 'selector');
  if (isSelectAll(selector)) throw new DecodeError(spec.child('selector'), `must not be empty (an empty selector is invalid for a ${kind})`);
  return selector;
}

function checkSelects(selector: LabelSelector, labels: Labels, template: Fields, kind: WorkloadKind): void {
  if (matchesSelector(selector, labels)) return;
  throw new DecodeError(
    template.object('metadata')?.child('labels') ?? template.child('metadata'),
    `selector does not match template labels (${formatLabels(labels)} against ${formatSelector(selector)}): the ${kind} would not own its own pods`,
  );
}

/** jobFinished says whether a Job's status has a true Complete or Failed condition: it makes no more pods. */
function jobFinished(object: Fields): boolean {
  const conditions =
    object.object('status')?.array('conditions', (value, path) => {
      const condition = Fields.of(value, path);
      return { type: condition.string('type'), status: condition.string('status') };
    }) ?? [];
  return conditions.some((condition) => (condition.type === 'Complete' || condition.type === 'Failed') && condition.status === 'True');
}
