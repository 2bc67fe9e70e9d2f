/** A zero-filled array of `n` numbers, built by push so every engine (ES5, Lua) gets a dense array. */
export function zeros(n: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}
