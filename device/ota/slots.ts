/** In-memory A/B slot store (tests, simulator, Node devices). Portable subset. */
import type { OtaJournal, SlotStore } from "./interfaces";

export class MemorySlotStore implements SlotStore {
  private slots: number[][] = [[], []];
  private active = 0;

  /** Start with `initial` in slot A, active. */
  constructor(initial: number[]) {
    this.slots[0] = initial.slice();
  }

  activeSlot(): number {
    return this.active;
  }

  erase(slot: number, size: number): void {
    if (slot === this.active) throw new Error("refusing to erase the active slot");
    const s: number[] = [];
    for (let i = 0; i < size; i++) s.push(255); // erased flash reads 0xff
    this.slots[slot] = s;
  }

  write(slot: number, offset: number, bytes: number[]): void {
    if (slot === this.active) throw new Error("refusing to write the active slot");
    const s = this.slots[slot];
    if (offset + bytes.length > s.length) throw new Error("write past the end of the slot");
    for (let i = 0; i < bytes.length; i++) s[offset + i] = bytes[i];
  }

  read(slot: number, offset: number, length: number): number[] {
    const s = this.slots[slot];
    const out: number[] = [];
    const end = offset + length < s.length ? offset + length : s.length;
    for (let i = offset; i < end; i++) out.push(s[i]);
    return out;
  }

  activate(slot: number): void {
    this.active = slot;
  }

  /** The bytes of the active model (what the runtime would load). */
  activeBytes(): number[] {
    return this.slots[this.active].slice();
  }
}

/** In-memory OTA journal (tests, simulator): survives an updater being rebuilt, like flash would. */
export class MemoryOtaJournal implements OtaJournal {
  private entry:
    | { offer: { manifest: number[]; signature: number[] }; have: number[] }
    | undefined = undefined;

  save(offer: { manifest: number[]; signature: number[] }, have: number[]): void {
    this.entry = {
      offer: { manifest: offer.manifest.slice(), signature: offer.signature.slice() },
      have: have.slice(),
    };
  }

  load(): { offer: { manifest: number[]; signature: number[] }; have: number[] } | undefined {
    return this.entry;
  }

  clear(): void {
    this.entry = undefined;
  }
}
