/**
 * PAGE_VIEW_SCRIPT draws the report from the embedded model with the queries of PAGE_MODEL_SCRIPT:
 * the namespace heatmap, the workload matrix of the namespace pair a click (or Enter) selects, the
 * explanation of the workload pair selected in it, and the audit findings. Text goes in through
 * textContent only (names and labels come from the cluster). The grids follow the ARIA grid
 * pattern: one cell in the tab order, arrow keys, Home and End move, Enter or Space opens.
 * Plain ES2019 in a string (no template literals).
 */
export const PAGE_VIEW_SCRIPT = String.raw`
(function () {
  'use strict';
  var model = JSON.parse(document.getElementById('netfence-report-data').textContent);
  var q = reportQueries(model);
  var N = model.namespaces.length;

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      var value = attributes[key];
      if (value === undefined || value === null || value === false) return;
      if (key === 'text') node.textContent = value;
      else if (key === 'className') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); });
    return node;
  }

  function percent(reachable, total) {
    if (total === 0) return '';
    var share = reachable / total;
    if (share === 0) return '0%';
    if (share === 1) return '100%';
    return Math.min(99, Math.max(1, Math.round(share * 100))) + '%';
  }

  // The colour scale: no pod pairs, none reachable, then five steps up to all of them.
  function level(reachable, total) {
    if (total === 0) return 'lv-none';
    if (reachable === 0) return 'lv-0';
    if (reachable === total) return 'lv-5';
    var share = reachable / total;
    return share <= 0.25 ? 'lv-1' : share <= 0.5 ? 'lv-2' : share <= 0.75 ? 'lv-3' : 'lv-4';
  }

  function plural(count, word) {
    return count + ' ' + word + (count === 1 ? '' : 's');
  }

  function serviceNames(indices) {
    return indices.map(function (index) { return model.services[index].name; }).join(', ');
  }

  function workloadName(workload) {
    var ns = model.namespaces[workload.namespace].name;
    if (workload.kind === 'Pod') return ns + '/' + workload.name;
    if (workload.kind === 'Pods') return ns + '/' + workload.name + ' (' + workload.pods + ' pods)';
    var count = workload.template ? 'pod template' : plural(workload.pods, 'pod');
    return ns + '/' + workload.kind + '/' + workload.name + ' (' + count + ')';
  }

  // A cell of the heatmap is flagged when it is where an essential service is not reached:
  // from a namespace with pods that cannot use an Egress service to the namespace serving it
  // (or the other way round for an Ingress service such as a scraper).
  function cutNote(a, b) {
    var notes = [];
    model.namespaces[a].cut.forEach(function (cut) {
      var service = model.services[cut.service];
      if (service.direction === 'Egress' && model.namespaces[b].hosts.indexOf(cut.service) >= 0) notes.push(plural(cut.pods, 'pod') + ' of ' + model.namespaces[a].name + ' cannot reach ' + service.name);
    });
    model.namespaces[b].cut.forEach(function (cut) {
      var service = model.services[cut.service];
      if (service.direction === 'Ingress' && model.namespaces[a].hosts.indexOf(cut.service) >= 0) notes.push(plural(cut.pods, 'pod') + ' of ' + model.namespaces[b].name + ' cannot be reached by ' + service.name);
    });
    return notes;
  }

  // --- grid keyboard navigation (roving tabindex) ---
  function makeGrid(table, onOpen) {
    var cells = Array.prototype.slice.call(table.querySelectorAll('[role=gridcell]'));
    if (cells.length > 0) cells[0].tabIndex = 0;
    table.addEventListener('click', function (event) {
      var cell = event.target.closest('[role=gridcell]');
      if (!cell || !table.contains(cell)) return;
      focusCell(table, cell);
      onOpen(cell);
    });
    table.addEventListener('keydown', function (event) {
      var cell = event.target.closest('[role=gridcell]');
      if (!cell) return;
      var tr = cell.parentElement;
      var rowCells = Array.prototype.slice.call(tr.querySelectorAll('[role=gridcell]'));
      var rows = Array.prototype.slice.call(table.querySelectorAll('tr')).filter(function (r) { return r.querySelector('[role=gridcell]'); });
      var x = rowCells.indexOf(cell);
      var y = rows.indexOf(tr);
      var next = null;
      switch (event.key) {
        case 'ArrowRight': next = rowCells[x + 1]; break;
        case 'ArrowLeft': next = rowCells[x - 1]; break;
        case 'ArrowDown': next = rows[y + 1] && rows[y + 1].querySelectorAll('[role=gridcell]')[x]; break;
        case 'ArrowUp': next = rows[y - 1] && rows[y - 1].querySelectorAll('[role=gridcell]')[x]; break;
        case 'Home': next = rowCells[0]; break;
        case 'End': next = rowCells[rowCells.length - 1]; break;
        case 'Enter':
        case ' ':
          event.preventDefault();
          onOpen(cell);
          return;
        default:
          return;
      }
      event.preventDefault();
      if (next) focusCell(table, next);
    });
  }

  function focusCell(table, cell) {
    var current = table.querySelector('[role=gridcell][tabindex="0"]');
    if (current) current.tabIndex = -1;
    cell.tabIndex = 0;
    cell.focus();
  }

  function select(table, cell) {
    var previous = table.querySelector('[aria-selected=true]');
    if (previous) previous.setAttribute('aria-selected', 'false');
    cell.setAttribute('aria-selected', 'true');
  }

  // --- the namespace heatmap ---
  function badges(namespace) {
    var spans = [];
    if (namespace.hosts.length > 0) spans.push(el('span', { className: 'badge host', title: 'serves ' + serviceNames(namespace.hosts), 'aria-label': 'serves ' + serviceNames(namespace.hosts), text: '\u25C6' }));
    if (namespace.cut.length > 0) {
      var text = namespace.cut.map(function (cut) {
        var service = model.services[cut.service];
        return plural(cut.pods, 'pod') + (service.direction === 'Egress' ? ' cannot reach ' : ' cannot be reached by ') + service.name;
      }).join('; ');
      spans.push(el('span', { className: 'badge cut', title: text, 'aria-label': text, text: '\u26A0' }));
    }
    if (namespace.findings.length > 0) {
      var deny = namespace.findings.some(function (index) { return model.findings[index].severity === 'deny'; });
      var label = plural(namespace.findings.length, 'audit finding');
      spans.push(el('span', { className: 'badge findings ' + (deny ? 'deny' : 'warn'), title: label, 'aria-label': label, text: String(namespace.findings.length) }));
    }
    return spans;
  }

  function drawHeatmap() {
    var table = document.getElementById('heatmap');
    var cellSize = Math.max(10, Math.min(56, Math.floor(760 / Math.max(1, N))));
    table.style.setProperty('--cell', cellSize + 'px');
    var showText = cellSize >= 30;
    var head = el('tr', {}, [el('th', { className: 'corner', scope: 'col' }, [el('span', { text: 'from \u2193  to \u2192' })])]);
    model.namespaces.forEach(function (namespace) {
      head.appendChild(el('th', { scope: 'col', className: 'col' + (namespace.hosts.length > 0 ? ' host' : ''), title: namespace.name + ' (' + plural(namespace.pods, 'pod') + ')' }, [el('span', { text: namespace.name })]));
    });
    var body = [el('thead', {}, [head])];
    var tbody = el('tbody');
    model.namespaces.forEach(function (from, a) {
      var tr = el('tr', {}, [el('th', { scope: 'row', className: 'rowhead', title: from.name + ': ' + namespaceState(from) + ', ' + plural(from.pods, 'pod') }, [el('span', { className: 'name', text: from.name })].concat(badges(from)))]);
      model.namespaces.forEach(function (to, b) {
        var cell = q.namespaceCell(a, b);
        var notes = cutNote(a, b);
        var share = cell.total === 0 ? 'no pod pairs' : percent(cell.reachable, cell.total) + ' of pod pairs reachable (' + cell.reachable + ' of ' + cell.total + ')';
        var label = from.name + ' \u2192 ' + to.name + ': ' + share + (notes.length > 0 ? '; ' + notes.join('; ') : '');
        tr.appendChild(el('td', {
          role: 'gridcell', tabindex: '-1', 'aria-selected': 'false', className: 'heat ' + level(cell.reachable, cell.total) + (notes.length > 0 ? ' flagged' : ''),
          'data-from': a, 'data-to': b, 'aria-label': label, title: label,
          text: (notes.length > 0 ? '\u26A0' : '') + (showText ? percent(cell.reachable, cell.total) : ''),
        }));
      });
      tbody.appendChild(tr);
    });
    body.push(tbody);
    body.forEach(function (part) { table.appendChild(part); });
    makeGrid(table, function (cell) {
      select(table, cell);
      showPair(Number(cell.getAttribute('data-from')), Number(cell.getAttribute('data-to')));
    });
  }

  // --- the workload matrix of a namespace pair ---
  function workloadBadges(workload) {
    var spans = [];
    if (workload.hosts.length > 0) spans.push(el('span', { className: 'badge host', title: 'serves ' + serviceNames(workload.hosts), 'aria-label': 'serves ' + serviceNames(workload.hosts), text: '\u25C6' }));
    if (workload.cut.length > 0) {
      var text = workload.cut.map(function (index) { return (model.services[index].direction === 'Egress' ? 'cannot reach ' : 'cannot be reached by ') + model.services[index].name; }).join('; ');
      spans.push(el('span', { className: 'badge cut', title: text, 'aria-label': text, text: '\u26A0' }));
    }
    if (workload.hostNetwork) {
      var hostWho = workload.hostNetwork < workload.pods ? workload.hostNetwork + ' of its ' + workload.pods + ' pods have' : workload.pods === 1 && !workload.template ? 'this pod has' : 'its pods have';
      var hostNote = hostWho + ' hostNetwork: true: answered as ordinary pods, but the network plugin decides for them (most treat their traffic as the node\'s: policies do not select them, pod-selector peers do not match them)';
      spans.push(el('span', { className: 'badge host-network', title: hostNote, 'aria-label': hostNote, text: 'H' }));
    }
    return spans;
  }

  function shortName(workload) {
    return workload.kind === 'Pod' || workload.kind === 'Pods' ? workload.name : workload.kind + '/' + workload.name;
  }

  function portsSummary(cell) {
    if (cell.total === 0) return 'itself';
    var open = cell.ports.filter(function (entry) { return entry.ports !== model.portSets[0]; });
    if (open.length === 0) return '\u2014';
    if (open.length === 1 && cell.reachable === cell.total) return open[0].ports;
    return open.map(function (entry) { return entry.ports; }).join(' | ');
  }

  function showPair(a, b) {
    var from = model.namespaces[a];
    var to = model.namespaces[b];
    var section = document.getElementById('pair');
    section.textContent = '';
    document.getElementById('explanation').textContent = '';
    var cell = q.namespaceCell(a, b);
    section.appendChild(el('h2', { id: 'pair-title', text: from.name + ' \u2192 ' + to.name }));
    section.appendChild(el('p', { className: 'meta', text: cell.total === 0 ? 'No pod pairs.' : percent(cell.reachable, cell.total) + ' of ' + plural(cell.total, 'pod pair') + ' may connect on some port. Rows: workloads of ' + from.name + '; columns: of ' + to.name + '. Select a cell for its explanation.' }));
    cutNote(a, b).forEach(function (note) { section.appendChild(el('p', { className: 'warning', text: '\u26A0 ' + note })); });
    if (from.workloads.length === 0 || to.workloads.length === 0) {
      section.appendChild(el('p', { text: 'No pods on ' + (from.workloads.length === 0 ? 'the source' : 'the destination') + ' side.' }));
    } else {
      var table = el('table', { id: 'workloads', role: 'grid', 'aria-labelledby': 'pair-title', className: 'matrix' });
      var head = el('tr', {}, [el('th', { scope: 'col', className: 'corner' }, [el('span', { text: 'from \u2193  to \u2192' })])]);
      to.workloads.forEach(function (index) {
        var workload = model.workloads[index];
        head.appendChild(el('th', { scope: 'col', className: 'col' + (workload.hosts.length > 0 ? ' host' : ''), title: workloadName(workload) }, [el('span', { text: shortName(workload) })]));
      });
      table.appendChild(el('thead', {}, [head]));
      var tbody = el('tbody');
      from.workloads.forEach(function (source) {
        var workload = model.workloads[source];
        var tr = el('tr', {}, [el('th', { scope: 'row', className: 'rowhead', title: workloadName(workload) }, [el('span', { className: 'name', text: shortName(workload) })].concat(workloadBadges(workload)))]);
        to.workloads.forEach(function (target) {
          var cell = q.workloadCell(source, target);
          var summary = portsSummary(cell);
          var share = cell.total === 0 ? 'a pod and itself: always allowed' : percent(cell.reachable, cell.total) + ' of pod pairs' + (summary === '\u2014' ? ', no port' : ', on ' + summary);
          var label = workloadName(workload) + ' \u2192 ' + workloadName(model.workloads[target]) + ': ' + share;
          tr.appendChild(el('td', {
            role: 'gridcell', tabindex: '-1', 'aria-selected': 'false', className: 'heat ' + (cell.total === 0 ? 'lv-self' : level(cell.reachable, cell.total)),
            'data-from': source, 'data-to': target, 'aria-label': label, title: label, text: summary.length > 18 ? summary.slice(0, 17) + '\u2026' : summary,
          }));
        });
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      section.appendChild(el('div', { className: 'scroll' }, [table]));
      makeGrid(table, function (cellNode) {
        select(table, cellNode);
        showExplanation(Number(cellNode.getAttribute('data-from')), Number(cellNode.getAttribute('data-to')));
      });
    }
    showFindings([a, b]);
  }

  // --- the explanation of a workload pair ---
  var LISTED_PAIRS = 4;

  function className(index) {
    var podClass = model.classes[index];
    var count = podClass.pods > 1 ? ' and ' + (podClass.pods - 1) + ' alike' : '';
    return model.namespaces[podClass.namespace].name + '/' + podClass.example + count;
  }

  function sideList(sideAnswer, local, remote) {
    var list = el('ul', { className: 'side' });
    var word = sideAnswer.direction === 'Egress' ? 'Egress' : 'Ingress';
    var subject = word + ' of ' + className(local);
    if (!sideAnswer.isolated) {
      list.appendChild(el('li', { className: 'open', text: subject + ': not isolated (no policy selects these pods for ' + word + '): every port.' }));
      return list;
    }
    list.appendChild(el('li', { text: subject + ': isolated by ' + sideAnswer.selectedBy.join(', ') + '.' }));
    if (sideAnswer.grants.length === 0) {
      list.appendChild(el('li', { className: 'deny', text: 'No ' + word.toLowerCase() + ' rule of theirs admits ' + className(remote) + ': nothing is allowed.' }));
    }
    sideAnswer.grants.forEach(function (grant) {
      var ref = grant.policy + ' ' + grant.direction.toLowerCase() + '[' + grant.index + ']';
      list.appendChild(el('li', { className: grant.ports === model.portSets[0] ? 'deny' : 'allow' }, [
        el('code', { text: ref }), ' (' + grant.text + ') allows ', el('strong', { text: grant.ports === model.portSets[0] ? 'no port (its named port is not on the destination)' : grant.ports }),
      ]));
    });
    return list;
  }

  function showExplanation(source, target) {
    var section = document.getElementById('explanation');
    section.textContent = '';
    var cell = q.workloadCell(source, target);
    section.appendChild(el('h2', { id: 'explanation-title', text: workloadName(model.workloads[source]) + ' \u2192 ' + workloadName(model.workloads[target]) }));
    var pairs = cell.pairs.filter(function (pair) { return pair.pairs > 0; });
    if (pairs.length === 0) {
      section.appendChild(el('p', { className: 'verdict allow', text: 'A pod may always reach itself ("a pod cannot block access to itself").' }));
      return;
    }
    pairs.slice(0, LISTED_PAIRS).forEach(function (pair) {
      var answer = q.explainPair(pair.source, pair.target);
      var block = el('div', { className: 'pair' });
      if (pairs.length > 1) block.appendChild(el('h3', { text: className(pair.source) + ' \u2192 ' + className(pair.target) + ' (' + plural(pair.pairs, 'pod pair') + ')' }));
      var allowed = answer.ports !== model.portSets[0];
      block.appendChild(el('p', { className: 'verdict ' + (allowed ? 'allow' : 'deny') }, [allowed ? 'Allowed on ' : 'Denied: ', el('strong', { text: allowed ? answer.ports : 'no port' })]));
      block.appendChild(sideList(answer.egress, pair.source, pair.target));
      block.appendChild(sideList(answer.ingress, pair.target, pair.source));
      var egressOpen = !answer.egress.isolated || answer.egress.grants.some(function (grant) { return grant.ports !== model.portSets[0]; });
      var ingressOpen = !answer.ingress.isolated || answer.ingress.grants.some(function (grant) { return grant.ports !== model.portSets[0]; });
      if (!allowed && egressOpen && ingressOpen) block.appendChild(el('p', { className: 'note', text: 'Each side allows some ports, but none in common.' }));
      section.appendChild(block);
    });
    if (pairs.length > LISTED_PAIRS) section.appendChild(el('p', { className: 'note', text: 'and ' + (pairs.length - LISTED_PAIRS) + ' more classes of pods, which policies tell apart.' }));
    section.setAttribute('tabindex', '-1');
  }

  // --- audit findings ---
  function namespaceState(namespace) {
    return namespace.adoption === 'exempt' ? 'exempt' : namespace.adoption + ', mode ' + namespace.mode;
  }

  function findingList(indices) {
    var list = el('ul', { className: 'findings' });
    indices.forEach(function (index) {
      var finding = model.findings[index];
      var summary = finding.summary.replace('[' + finding.rule + '] ', '');
      list.appendChild(el('li', { className: finding.severity, title: finding.message }, [el('span', { className: 'sev', text: finding.severity }), ' ', el('code', { text: finding.rule }), ' ', summary]));
    });
    return list;
  }

  function showFindings(selected) {
    var section = document.getElementById('findings');
    section.textContent = '';
    section.appendChild(el('h2', { text: 'Audit findings' }));
    var shown = selected.filter(function (index, k) { return selected.indexOf(index) === k; });
    if (shown.length === 0) {
      shown = model.namespaces.map(function (_, index) { return index; }).filter(function (index) { return model.namespaces[index].findings.length > 0; });
      if (shown.length === 0) section.appendChild(el('p', { text: 'No broken guardrail found.' }));
    }
    shown.forEach(function (index) {
      var namespace = model.namespaces[index];
      section.appendChild(el('h3', { text: namespace.name + ' \u2014 ' + namespaceState(namespace) }));
      if (namespace.findings.length === 0) section.appendChild(el('p', { className: 'meta', text: 'No finding.' }));
      else section.appendChild(findingList(namespace.findings));
    });
    var unattached = model.findings.map(function (_, index) { return index; }).filter(function (index) { return model.findings[index].namespace < 0; });
    if (selected.length === 0 && unattached.length > 0) section.appendChild(findingList(unattached));
  }

  function drawLegend() {
    var legend = document.getElementById('legend');
    var steps = [['lv-none', 'no pod pairs'], ['lv-0', 'none reachable'], ['lv-1', '1\u201325%'], ['lv-2', '26\u201350%'], ['lv-3', '51\u201375%'], ['lv-4', '76\u201399%'], ['lv-5', 'all reachable']];
    steps.forEach(function (step) {
      legend.appendChild(el('li', {}, [el('span', { className: 'swatch heat ' + step[0], 'aria-hidden': 'true' }), step[1]]));
    });
    var services = model.services.map(function (service) { return service.name; }).join(', ') || 'none configured';
    legend.appendChild(el('li', {}, [el('span', { className: 'badge host', 'aria-hidden': 'true', text: '\u25C6' }), 'serves an essential service (' + services + ')']));
    legend.appendChild(el('li', {}, [el('span', { className: 'badge cut', 'aria-hidden': 'true', text: '\u26A0' }), 'pods that cannot use an essential service']));
    legend.appendChild(el('li', {}, [el('span', { className: 'badge findings deny', 'aria-hidden': 'true', text: 'n' }), 'audit findings']));
    var missing = model.services.filter(function (service) { return service.hosts.length === 0 && service.direction === 'Egress'; });
    if (missing.length > 0) document.getElementById('notes').appendChild(el('p', { className: 'meta', text: 'Not found among the pods of the state: ' + missing.map(function (service) { return service.name + ' (' + service.describe + ')'; }).join('; ') + '. Pods that cannot reach it are marked on their row.' }));
  }

  drawLegend();
  drawHeatmap();
  showFindings([]);
  document.body.setAttribute('data-ready', 'true');
})();
`;
