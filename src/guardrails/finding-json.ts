import type { Finding } from './finding.js';
import { labelsToRecord } from '../model/labels.js';
import type { JsonObject } from '../model/manifest.js';

/** findingJson is a finding in DESIGN.md's JSON shape (`check --json`, audit annotations). */
export function findingJson(finding: Finding): JsonObject {
  const json: JsonObject = { rule: finding.rule, severity: finding.severity, object: finding.object, message: finding.message };
  if (finding.service !== undefined) json['service'] = finding.service;
  if (finding.counterexample !== undefined) {
    json['counterexample'] = { namespace: finding.counterexample.namespace, labels: labelsToRecord(finding.counterexample.labels) };
  }
  if (finding.fix !== undefined) json['fix'] = finding.fix;
  if (finding.adoption !== undefined) {
    json['adoption'] = { profile: finding.adoption.profile, isolated: finding.adoption.isolated.map(({ pod, directions }) => ({ pod, directions: [...directions] })) };
  }
  return json;
}
