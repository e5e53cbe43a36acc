/** Bitset is a fixed-size set of small integers, for sets of endpoints in truth tables. */
export class Bitset {
  private readonly words: Uint32Array;

  constructor(readonly size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  /** full returns a set holding every integer below `size`. */
  static full(size: number): Bitset {
    const set = new Bitset(size);
    for (let i = 0; i < size; i++) set.add(i);
    return set;
  }

  add(index: number): void {
    const word = index >>> 5;
    this.words[word] = (this.words[word] ?? 0) | (1 << (index & 31));
  }

  has(index: number): boolean {
    return ((this.words[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0;
  }

  /** unionWith adds every member of `other` (of the same size) to this set. */
  unionWith(other: Bitset): void {
    for (let i = 0; i < this.words.length; i++) this.words[i] = (this.words[i] ?? 0) | (other.words[i] ?? 0);
  }
}
