import type { Labels } from '../model/labels.js';
import { requirementsOf } from '../model/selector.js';
import type { LabelSelector, Requirement } from '../model/selector.js';

/**
 * Exact selector coverage: does every label set that selector S matches also match one of T1..Tn?
 *
 * The space of label sets is infinite, but a selector only ever looks at finitely many keys and
 * values, so a label set is characterised per key by: absent, one of the values some selector
 * names, or "any other value". The search splits S into cubes (one value domain per key) along those
 * classes until each cube is either inside some Ti (covered) or disjoint from all of them (every
 * label set in it is a counterexample). It is exact by construction, and pruned: selectors that
 * cannot meet a cube are dropped, values that every remaining selector treats alike stay together,
 * and the key that splits most selectors goes first. A step budget bounds the worst case.
 */

/** Coverage is the answer to a coverage question. */
export type Coverage =
  | { readonly kind: 'covered' }
  | { readonly kind: 'uncovered'; readonly counterexample: Labels }
  | { readonly kind: 'too-complex'; readonly steps: number };

/** DEFAULT_COVERAGE_BUDGET bounds the number of cubes one question may explore. */
export const DEFAULT_COVERAGE_BUDGET = 200_000;

/**
 * Domain is the set of states one key may take: absent or not, and either only the listed values
 * (`only`) or every value but the listed ones (`except`).
 */
interface Domain {
  readonly absent: boolean;
  readonly mode: 'only' | 'except';
  readonly values: ReadonlySet<string>;
}

/** Cube is a conjunction of domains; a key it does not constrain may take any state. */
type Cube = ReadonlyMap<string, Domain>;

const ANY: Domain = { absent: true, mode: 'except', values: new Set() };

function domainOf(requirement: Requirement): Domain {
  const values = new Set(requirement.values);
  switch (requirement.operator) {
    case 'In':
      return { absent: false, mode: 'only', values };
    case 'NotIn':
      return { absent: true, mode: 'except', values };
    case 'Exists':
      return { absent: false, mode: 'except', values: new Set() };
    case 'DoesNotExist':
      return { absent: true, mode: 'only', values: new Set() };
  }
}

function intersect(a: Domain, b: Domain): Domain {
  const absent = a.absent && b.absent;
  if (a.mode === 'only' && b.mode === 'only') {
    return { absent, mode: 'only', values: new Set([...a.values].filter((v) => b.values.has(v))) };
  }
  if (a.mode === 'only') return { absent, mode: 'only', values: new Set([...a.values].filter((v) => !b.values.has(v))) };
  if (b.mode === 'only') return { absent, mode: 'only', values: new Set([...b.values].filter((v) => !a.values.has(v))) };
  return { absent, mode: 'except', values: new Set([...a.values, ...b.values]) };
}

function union(a: Domain, b: Domain): Domain {
  const absent = a.absent || b.absent;
  if (a.mode === 'only' && b.mode === 'only') return { absent, mode: 'only', values: new Set([...a.values, ...b.values]) };
  if (a.mode === 'except' && b.mode === 'except') {
    return { absent, mode: 'except', values: new Set([...a.values].filter((v) => b.values.has(v))) };
  }
  const [only, except] = a.mode === 'only' ? [a, b] : [b, a];
  return { absent, mode: 'except', values: new Set([...except.values].filter((v) => !only.values.has(v))) };
}

function isEmpty(domain: Domain): boolean {
  return !domain.absent && domain.mode === 'only' && domain.values.size === 0;
}

/** contains says whether every state of `inner` is a state of `outer`. */
function contains(outer: Domain, inner: Domain): boolean {
  if (inner.absent && !outer.absent) return false;
  if (inner.mode === 'only') {
    for (const v of inner.values) if (outer.mode === 'only' ? !outer.values.has(v) : outer.values.has(v)) return false;
    return true;
  }
  if (outer.mode === 'only') return false; // an infinite set never fits in a finite one
  for (const v of outer.values) if (!inner.values.has(v)) return false;
  return true;
}

function admits(domain: Domain, value: string | undefined): boolean {
  if (value === undefined) return domain.absent;
  return domain.mode === 'only' ? domain.values.has(value) : !domain.values.has(value);
}

// Selectors are immutable values that live as long as their policies: compile each once.
const compiled = new WeakMap<LabelSelector, Cube | null>();

/** cubeOf turns a selector into a cube, or null when its requirements contradict each other. */
function cubeOf(selector: LabelSelector): Cube | null {
  const known = compiled.get(selector);
  if (known !== undefined) return known;
  const cube = compileCube(selector);
  compiled.set(selector, cube);
  return cube;
}

function compileCube(selector: LabelSelector): Cube | null {
  const cube = new Map<string, Domain>();
  for (const requirement of requirementsOf(selector)) {
    const domain = intersect(cube.get(requirement.key) ?? ANY, domainOf(requirement));
    if (isEmpty(domain)) return null;
    cube.set(requirement.key, domain);
  }
  return cube;
}

/** meets says whether two domains share a state (intersect without building the intersection). */
function meets(a: Domain, b: Domain): boolean {
  if ((a.absent && b.absent) || (a.mode === 'except' && b.mode === 'except')) return true;
  const only = a.mode === 'only' ? a : b;
  const other = only === a ? b : a;
  for (const v of only.values) if (admits(other, v)) return true;
  return false;
}

function cubeIntersects(cube: Cube, other: Cube): boolean {
  for (const [key, domain] of other) {
    if (!meets(cube.get(key) ?? ANY, domain)) return false;
  }
  return true;
}

function cubeWithin(inner: Cube, outer: Cube): boolean {
  for (const [key, domain] of outer) {
    if (!contains(domain, inner.get(key) ?? ANY)) return false;
  }
  return true;
}

/**
 * splitDomain partitions a key's domain into classes that every selector in `others` treats
 * uniformly: each class lies wholly inside or wholly outside each of those domains.
 */
function splitDomain(domain: Domain, others: readonly Domain[]): Domain[] {
  // Atoms: absence, each value named anywhere (inside the domain), and the rest of the domain.
  const named = new Set<string>();
  if (domain.mode === 'only') for (const v of domain.values) named.add(v);
  for (const other of others) for (const v of other.values) if (admits(domain, v)) named.add(v);
  const atoms: Array<{ domain: Domain; sample: string | undefined }> = [];
  if (domain.absent) atoms.push({ domain: { absent: true, mode: 'only', values: new Set() }, sample: undefined });
  for (const v of named) atoms.push({ domain: { absent: false, mode: 'only', values: new Set([v]) }, sample: v });
  if (domain.mode === 'except') {
    const rest: Domain = { absent: false, mode: 'except', values: new Set([...domain.values, ...named]) };
    atoms.push({ domain: rest, sample: freshValue(rest.values) });
  }
  // Atoms with the same membership signature form one class.
  const classes = new Map<string, Domain>();
  for (const atom of atoms) {
    const signature = others.map((other) => (admits(other, atom.sample) ? '1' : '0')).join('');
    const existing = classes.get(signature);
    classes.set(signature, existing === undefined ? atom.domain : union(existing, atom.domain));
  }
  return [...classes.values()];
}

/** freshValue returns a valid label value outside `taken`, for "any other value". */
function freshValue(taken: ReadonlySet<string>): string {
  for (const candidate of ['other', 'x', 'y', 'z']) if (!taken.has(candidate)) return candidate;
  for (let n = 2; ; n++) if (!taken.has(`other-${n}`)) return `other-${n}`;
}

/** sampleOf picks one concrete label set of a (non-empty) cube, preferring absent keys. */
function sampleOf(cube: Cube): Labels {
  const labels = new Map<string, string>();
  for (const [key, domain] of [...cube].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (domain.absent) continue;
    if (domain.mode === 'only') labels.set(key, [...domain.values].sort()[0] ?? '');
    else labels.set(key, freshValue(domain.values));
  }
  return labels;
}

function canonicalKey(cube: Cube): string {
  return [...cube]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, d]) => `${key}\u0000${d.absent ? 1 : 0}${d.mode}\u0000${[...d.values].sort().join('\u0001')}`)
    .join('\u0002');
}

class BudgetExceeded extends Error {}

/** CoverageOptions tunes one coverage question. */
export interface CoverageOptions {
  /** budget is the most cubes the search may visit before answering too-complex. */
  readonly budget?: number;
  /**
   * monotone (the default) promises that `enough` accepts every superset of a set it accepts, which
   * lets the search stop early. With false, `enough` may be any condition on the exact set of
   * selectors a label set matches ("cut off now, and not before"): the search then decides only
   * cubes that every selector matches wholly or not at all.
   */
  readonly monotone?: boolean;
}

/** containsSelector says exactly whether every label set `inner` matches is matched by `outer`. */
export function containsSelector(outer: LabelSelector, inner: LabelSelector): boolean {
  const cube = compileCube(inner);
  if (cube === null) return true;
  const container = cubeOf(outer);
  return container !== null && cubeWithin(cube, container);
}

/**
 * coversSelector decides exactly whether every label set matched by `selector` is matched by at
 * least one of `covering`, and returns a counterexample label set when it is not.
 */
export function coversSelector(
  selector: LabelSelector,
  covering: readonly LabelSelector[],
  options: CoverageOptions = {},
): Coverage {
  return coversWith(selector, covering, (matching) => matching.size > 0, options);
}

/**
 * coversWith generalises coversSelector: every label set matched by `selector` must be matched by a
 * set of `covering` selectors (given by index) that `enough` accepts. `enough` is monotone (a
 * superset of an accepted set is accepted), like "one of them" or "one allowing each DNS port",
 * unless `options.monotone` is false.
 */
export function coversWith(
  selector: LabelSelector,
  covering: readonly LabelSelector[],
  enough: (matching: ReadonlySet<number>) => boolean,
  options: CoverageOptions = {},
): Coverage {
  // The question's selector is compiled afresh: it is mostly made for this question (the changed
  // policy's, an intersection), so remembering it would never pay, and a long-lived WeakMap entry
  // for a young key is work for every scavenge. The covering selectors are stored policies'.
  const start = compileCube(selector);
  if (start === null) return { kind: 'covered' }; // S matches nothing, so nothing is left uncovered
  type Candidate = { index: number; cube: Cube };
  const cubes: Candidate[] = [];
  // Selectors that contain the whole of S are met on the way: once they are enough, the answer is
  // known without looking at the rest.
  const monotone = options.monotone ?? true;
  const inside = new Set<number>();
  for (let index = 0; index < covering.length; index++) {
    const t = covering[index];
    const cube = t === undefined ? null : cubeOf(t);
    if (cube === null) continue;
    cubes.push({ index, cube });
    if (!cubeWithin(start, cube)) continue;
    inside.add(index);
    if (monotone && enough(inside)) return { kind: 'covered' };
  }
  const budget = options.budget ?? DEFAULT_COVERAGE_BUDGET;
  let steps = 0;
  const coveredCubes = new Set<string>();

  // search asks of a cube whether the selectors that contain it are enough, and splits it if not.
  const search = (cube: Cube, inside: ReadonlySet<number>, candidates: readonly Candidate[]): Labels | null => {
    const within = new Set(inside);
    for (const candidate of candidates) if (cubeWithin(cube, candidate.cube)) within.add(candidate.index);
    return monotone && enough(within) ? null : split(cube, within, candidates);
  };
  // split looks at the selectors that match part of a cube whose containing ones (`within`) are not enough.
  const split = (cube: Cube, within: ReadonlySet<number>, candidates: readonly Candidate[]): Labels | null => {
    const partial = candidates.filter((candidate) => !within.has(candidate.index) && cubeIntersects(cube, candidate.cube));
    // Every label set of a cube no selector splits is matched by exactly `within`.
    if (partial.length === 0) return enough(within) ? null : sampleOf(cube);
    // Every label set of the cube is matched by at most within + partial; if even that is not
    // enough, any of them is a counterexample (when enough is monotone).
    if (monotone && !enough(new Set([...within, ...partial.map((candidate) => candidate.index)]))) return sampleOf(cube);
    const memoKey = canonicalKey(cube);
    if (coveredCubes.has(memoKey)) return null;
    if (++steps > budget) throw new BudgetExceeded();
    const key = splittingKey(cube, partial.map((candidate) => candidate.cube));
    const domain = cube.get(key) ?? ANY;
    const others = partial.map((candidate) => candidate.cube.get(key)).filter((d): d is Domain => d !== undefined);
    for (const part of splitDomain(domain, others)) {
      const counterexample = search(new Map([...cube, [key, part]]), within, partial);
      if (counterexample !== null) return counterexample;
    }
    coveredCubes.add(memoKey);
    return null;
  };

  try {
    // The first pass above found every selector containing S, and they were not enough.
    const counterexample = split(start, inside, cubes);
    return counterexample === null ? { kind: 'covered' } : { kind: 'uncovered', counterexample };
  } catch (error) {
    if (error instanceof BudgetExceeded) return { kind: 'too-complex', steps };
    throw error;
  }
}

/**
 * splittingKey picks the key on which the most partially matching selectors are narrower than the
 * cube. One exists: none of them contains the cube, so each is narrower on some key.
 */
function splittingKey(cube: Cube, live: readonly Cube[]): string {
  const counts = new Map<string, number>();
  for (const t of live) {
    for (const [key, domain] of t) {
      if (!contains(domain, cube.get(key) ?? ANY)) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  let best: string | undefined;
  let bestCount = 0;
  for (const [key, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
      best = key;
      bestCount = count;
    }
  }
  if (best === undefined) throw new Error('coverage: no splitting key although no selector contains the cube');
  return best;
}
