// The registers of a checker state: a Map from register to type, kept in an 8-slot array shared
// copy-on-write: copying it — which the checker does for the state before every instruction —
// shares the array, and the first write to either copy copies it (most instructions write one
// register or none). Iteration is in REGS32 order.

import { REGS32, type Reg32, type WordType } from '../types.js';

const INDEX: Readonly<Record<Reg32, number>> = Object.fromEntries(REGS32.map((r, i) => [r, i])) as Record<Reg32, number>;

export class RegFile implements Map<Reg32, WordType> {
  private slots: (WordType | undefined)[];
  private count: number;
  /** Whether slots may be shared with another RegFile: copied before the first write. */
  private shared: boolean;

  constructor(entries?: Iterable<readonly [Reg32, WordType]> | RegFile) {
    if (entries instanceof RegFile) {
      this.slots = entries.slots;
      this.count = entries.count;
      this.shared = true;
      entries.shared = true;
      return;
    }
    this.shared = false;
    this.slots = new Array<WordType | undefined>(REGS32.length).fill(undefined);
    this.count = 0;
    if (entries !== undefined) for (const [r, t] of entries) this.set(r, t);
  }

  get size(): number {
    return this.count;
  }

  get(r: Reg32): WordType | undefined {
    return this.slots[INDEX[r]];
  }

  has(r: Reg32): boolean {
    return this.slots[INDEX[r]] !== undefined;
  }

  private own(): void {
    if (!this.shared) return;
    this.slots = this.slots.slice();
    this.shared = false;
  }

  set(r: Reg32, t: WordType): this {
    const i = INDEX[r];
    if (this.slots[i] === t) return this;
    this.own();
    if (this.slots[i] === undefined) this.count++;
    this.slots[i] = t;
    return this;
  }

  delete(r: Reg32): boolean {
    const i = INDEX[r];
    if (this.slots[i] === undefined) return false;
    this.own();
    this.slots[i] = undefined;
    this.count--;
    return true;
  }

  clear(): void {
    this.slots = new Array<WordType | undefined>(REGS32.length).fill(undefined);
    this.shared = false;
    this.count = 0;
  }

  /** Whether every register holds the identical type object in both (or nothing in both). */
  sameAs(other: RegFile): boolean {
    if (this.slots === other.slots) return true;
    for (let i = 0; i < REGS32.length; i++) if (this.slots[i] !== other.slots[i]) return false;
    return true;
  }

  forEach(f: (t: WordType, r: Reg32, map: Map<Reg32, WordType>) => void): void {
    for (let i = 0; i < REGS32.length; i++) {
      const t = this.slots[i];
      if (t !== undefined) f(t, REGS32[i]!, this);
    }
  }

  /** The registers that hold a type, in REGS32 order (an array: generators are slow in the joins' loops). */
  list(): [Reg32, WordType][] {
    const out: [Reg32, WordType][] = [];
    for (let i = 0; i < REGS32.length; i++) {
      const t = this.slots[i];
      if (t !== undefined) out.push([REGS32[i]!, t]);
    }
    return out;
  }

  entries(): MapIterator<[Reg32, WordType]> {
    return this.list()[Symbol.iterator]() as unknown as MapIterator<[Reg32, WordType]>;
  }

  keys(): MapIterator<Reg32> {
    return this.list()
      .map(([r]) => r)
      [Symbol.iterator]() as unknown as MapIterator<Reg32>;
  }

  values(): MapIterator<WordType> {
    return this.list()
      .map(([, t]) => t)
      [Symbol.iterator]() as unknown as MapIterator<WordType>;
  }

  [Symbol.iterator](): MapIterator<[Reg32, WordType]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'RegFile';
  }
}
