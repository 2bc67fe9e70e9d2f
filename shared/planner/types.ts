/**
 * Static tensor arena planning (as TFLM's MemoryPlanner): the planner knows buffers, not
 * tensors. Each buffer has a size in bytes and the first and last op index (inclusive) during
 * which it must stay live; two buffers may share bytes only if their lifetimes do not overlap.
 */
export interface MemoryPlanner {
  /** Registers a buffer; returns its id (0, 1, 2, ... in call order). */
  addBuffer(size: number, firstUse: number, lastUse: number): number;
  /** Byte offset of buffer `id` in the arena (plans on first call after the last addBuffer). */
  getOffset(id: number): number;
  /** Arena size needed: max over buffers of offset + size. */
  getPeak(): number;
  /** Number of buffers registered. */
  count(): number;
}
