import { describe, expect, it } from 'vitest';
import { parseLabelSelector } from '../../src/cli/args/parse-selector.js';
import { parsePortQuery } from '../../src/cli/args/parse-port.js';
import { formatSelector, matchesSelector } from '../../src/model/selector.js';

/**
 * The label queries `simulate --from/--to NS:LABELS` take, in kubectl's `-l` syntax, and the
 * `--port` forms. Each query is checked on label sets: what it must match and what it must not.
 */

const LABELS: Record<string, Record<string, string>> = {
  web: { app: 'web', tier: 'frontend' },
  api: { app: 'api', tier: 'backend' },
  db: { app: 'db', tier: 'data' },
  bare: {},
  legacy: { app: 'web', legacy: 'true' },
};

describe('parseLabelSelector (kubectl -l syntax)', () => {
  it.each([
    ['app=web', ['web', 'legacy'], 'app=web'],
    ['app==web', ['web', 'legacy'], 'app=web'],
    ['app!=web', ['api', 'db', 'bare'], 'app notin (web)'],
    ['tier in (frontend,backend)', ['web', 'api'], 'tier in (frontend,backend)'],
    ['tier in ( frontend , backend )', ['web', 'api'], 'tier in (frontend,backend)'],
    ['tier notin (data)', ['web', 'api', 'bare', 'legacy'], 'tier notin (data)'],
    ['tier', ['web', 'api', 'db'], 'tier'],
    ['!tier', ['bare', 'legacy'], '!tier'],
    ['app=web,!legacy', ['web'], 'app=web,!legacy'],
    ['app=web, tier=frontend', ['web'], 'app=web,tier=frontend'],
    ['app=web,app=api', [], 'app=web,app in (api)'],
    ['', ['web', 'api', 'db', 'bare', 'legacy'], '{} (all)'],
  ])('%s', (text, matched, printed) => {
    const parsed = parseLabelSelector(text);
    if ('error' in parsed) throw new Error(parsed.error);
    const names = Object.entries(LABELS).filter(([, labels]) => matchesSelector(parsed.selector, new Map(Object.entries(labels)))).map(([name]) => name);
    expect(names).toEqual(matched);
    expect(formatSelector(parsed.selector)).toBe(printed);
  });

  it.each([
    ['app=web,', /an empty requirement/],
    ['app in web', /"app in web" is not a requirement/],
    ['app=we b', /is not a requirement/],
    ['app=-web', /"-web" is not a label value/],
    ['Bad Key=x', /is not a requirement/],
    ['-app=x', /"-app" is not a label key/],
    ['example.com/app=x', undefined],
    ['app in (a,,b)', /the values in \( \) must be label values/],
  ])('%s', (text, error) => {
    const parsed = parseLabelSelector(text);
    if (error === undefined) expect(parsed).toHaveProperty('selector');
    else expect('error' in parsed ? parsed.error : '').toMatch(error);
  });
});

describe('parsePortQuery', () => {
  it.each([
    ['80', { kind: 'port', port: 80, protocol: 'TCP' }],
    ['53/udp', { kind: 'port', port: 53, protocol: 'UDP' }],
    ['8080-8090', { kind: 'range', from: 8080, to: 8090, protocol: 'TCP' }],
    ['1-65535/SCTP', { kind: 'range', from: 1, to: 65535, protocol: 'SCTP' }],
    ['http', { kind: 'named', name: 'http', protocol: undefined }],
    ['dns-tcp/TCP', { kind: 'named', name: 'dns-tcp', protocol: 'TCP' }],
    ['any', { kind: 'any', protocol: undefined }],
    ['ANY/udp', { kind: 'any', protocol: 'UDP' }],
  ])('%s', (text, query) => {
    expect(parsePortQuery(text)).toEqual(query);
  });

  it.each([
    ['0', /"0" is not a port number 1-65535/],
    ['65536', /"65536" is not a port number 1-65535/],
    ['90-80', /the range ends before it starts \(90 > 80\)/],
    ['80-', /expected PORT, FROM-TO/],
    ['80/', /expected PORT, FROM-TO/],
    ['80/ICMP', /protocol must be TCP, UDP or SCTP/],
    ['a-very-long-port-name', /expected PORT, FROM-TO/],
    ['http--x', /expected PORT, FROM-TO/],
    ['8080', undefined],
  ])('%s', (text, error) => {
    if (error === undefined) expect(() => parsePortQuery(text)).not.toThrow();
    else expect(() => parsePortQuery(text)).toThrow(error);
  });
});
