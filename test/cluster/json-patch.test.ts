import { describe, expect, it } from 'vitest';
import { applyJsonPatch, mergePatch } from '../support/json-patch.js';
import type { Json } from '../support/json-patch.js';

/**
 * The test API server's two JSON patch formats against their RFCs' own examples: every row of
 * RFC 7386 Appendix A and the examples of RFC 6902 Appendix A (A.13, a document with a duplicate
 * member, cannot be written as a parsed value).
 */

describe('JSON Merge Patch: RFC 7386 Appendix A', () => {
  const rows: Array<[Json, Json, Json]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(rows)('%j patched with %j is %j', (target, patch, result) => {
    const before = JSON.stringify(target);
    expect(mergePatch(target, patch)).toEqual(result);
    expect(JSON.stringify(target)).toBe(before);
  });
});

describe('JSON Patch: RFC 6902 Appendix A', () => {
  const applies: Array<[string, Json, Json, Json]> = [
    ['A.1 adding an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 adding an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 removing an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 removing an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replacing a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    [
      'A.6 moving a value',
      { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    ],
    ['A.7 moving an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
    ['A.8 testing a value: success', { baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
    ['A.10 adding a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignoring unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 adding an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
  ];
  it.each(applies)('%s', (_, document, patch, result) => {
    const before = JSON.stringify(document);
    expect(applyJsonPatch(document, patch)).toEqual({ ok: true, value: result });
    expect(JSON.stringify(document)).toBe(before);
  });

  const fails: Array<[string, Json, Json]> = [
    ['A.9 testing a value: error', { baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]],
    ['A.12 adding to a nonexistent target', { foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]],
    ['A.15 comparing strings and numbers', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }]],
    ['removing what is not there', { foo: 'bar' }, [{ op: 'remove', path: '/baz' }]],
    ['an index past the end', { foo: ['bar'] }, [{ op: 'add', path: '/foo/2', value: 'x' }]],
    ['an unknown op', { foo: 'bar' }, [{ op: 'frobnicate', path: '/foo' }]],
    ['moving into its own child', { a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]],
  ];
  it.each(fails)('%s fails as a whole: an operation before it applies to nothing', (_, document, patch) => {
    const before = JSON.stringify(document);
    const result = applyJsonPatch(document, [{ op: 'add', path: '/applied', value: true }, ...(Array.isArray(patch) ? patch : [])]);
    expect(result).toEqual({ ok: false, code: 'failed', message: expect.any(String) });
    expect(JSON.stringify(document)).toBe(before);
  });

  it('a document that is not an array of operations is malformed', () => {
    expect(applyJsonPatch({}, { op: 'add', path: '/a', value: 1 })).toMatchObject({ ok: false, code: 'malformed' });
    expect(applyJsonPatch({}, ['add'])).toMatchObject({ ok: false, code: 'malformed' });
  });
});
