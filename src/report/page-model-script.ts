import { BITS } from './report-model.js';

/**
 * PAGE_MODEL_SCRIPT is the page's JavaScript that reads the embedded report model (report-model.ts):
 * no DOM, only lookups, so the tests run this very text in Node and hold its answers to the
 * engine's. It defines one function, `reportQueries(model)`, returning:
 *
 * - `portsIndex(source, target)`: the allowed ports of a class pair (an index into model.portSets);
 * - `namespaceCell(a, b)` and `workloadCell(a, b)`: pod pairs with some allowed port, of how many,
 *   and (for workloads) the distinct port sets with their pod pairs;
 * - `explainPair(source, target)`: what ReachabilityMap.explain says of a class pair: the ports, and
 *   per side whether the pod is isolated, by which policies, and which of their rules admit the
 *   other side, with each rule's ports towards the destination.
 *
 * Written as plain ES2019 in a string (no template literals), so that it ships as it is tested.
 */
export const PAGE_MODEL_SCRIPT = String.raw`
function reportQueries(model) {
  'use strict';
  var BITS = ${JSON.stringify(BITS)};
  var size = model.classes.length;
  var namespaceCount = model.namespaces.length;
  var decoded = new Map();

  function row(index) {
    var found = decoded.get(index);
    if (found !== undefined) return found;
    var values = new Int32Array(size);
    var at = 0;
    var text = model.rows[index];
    if (text !== '') {
      text.split(',').forEach(function (token) {
        var star = token.indexOf('*');
        var value = Number(star < 0 ? token : token.slice(0, star));
        var count = star < 0 ? 1 : Number(token.slice(star + 1));
        values.fill(value, at, at + count);
        at += count;
      });
    }
    decoded.set(index, values);
    return values;
  }

  function portsIndex(source, target) {
    return row(model.classes[source].row)[target];
  }

  function admits(rule, remote) {
    if (rule.admits === '*') return true;
    var value = BITS.indexOf(rule.admits.charAt(Math.floor(remote / 6)));
    return ((value >> (remote % 6)) & 1) === 1;
  }

  function rulePortsIndex(rule, destination) {
    return rule.ports !== null ? rule.ports : row(rule.portsRow)[destination];
  }

  function side(direction, local, remote, destination) {
    var podClass = model.classes[local];
    var list = model.policyLists[direction === 'Egress' ? podClass.egress : podClass.ingress];
    var grants = [];
    list.forEach(function (policyIndex) {
      var policy = model.policies[policyIndex];
      (direction === 'Egress' ? policy.egress : policy.ingress).forEach(function (ruleIndex) {
        var rule = model.rules[ruleIndex];
        if (admits(rule, remote)) grants.push({ policy: policy.id, direction: direction, index: rule.index, text: rule.text, ports: model.portSets[rulePortsIndex(rule, destination)] });
      });
    });
    return {
      direction: direction,
      isolated: list.length > 0,
      selectedBy: list.map(function (policyIndex) { return model.policies[policyIndex].id; }),
      grants: grants,
    };
  }

  function explainPair(source, target) {
    return {
      self: source === target && model.classes[source].onePod,
      ports: model.portSets[portsIndex(source, target)],
      egress: side('Egress', source, target, target),
      ingress: side('Ingress', target, source, target),
    };
  }

  function pairsWithin(pods, templates) {
    return pods * (pods - 1) + templates;
  }

  function namespaceCell(a, b) {
    var from = model.namespaces[a];
    var to = model.namespaces[b];
    var total = a === b ? pairsWithin(from.pods, from.templates) : from.pods * to.pods;
    return { reachable: model.reachable[a * namespaceCount + b], total: total };
  }

  function workloadCell(a, b) {
    var reachable = 0;
    var total = 0;
    var byPorts = new Map();
    var pairs = [];
    model.workloads[a].members.forEach(function (from) {
      model.workloads[b].members.forEach(function (to) {
        var count = a === b && from[0] === to[0] ? pairsWithin(from[1], from[2]) : from[1] * to[1];
        var ports = portsIndex(from[0], to[0]);
        pairs.push({ source: from[0], target: to[0], pairs: count, ports: ports });
        if (count === 0) return;
        total += count;
        if (ports !== 0) reachable += count;
        byPorts.set(ports, (byPorts.get(ports) || 0) + count);
      });
    });
    var ports = Array.from(byPorts.entries()).map(function (entry) { return { ports: model.portSets[entry[0]], pairs: entry[1] }; });
    return { reachable: reachable, total: total, ports: ports, pairs: pairs };
  }

  return { portsIndex: portsIndex, explainPair: explainPair, namespaceCell: namespaceCell, workloadCell: workloadCell };
}
`;
