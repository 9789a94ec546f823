/** 90 / 5 / 5 as the reference rounds it: train ⌊0.9 n⌋, val ⌊0.05 n⌋, test the rest. */
export function splitSizes(n: number): {train: number; val: number; test: number} {
  const train = Math.floor(n * 0.9)
  const val = Math.floor(n * 0.05)
  return {train, val, test: n - train - val}
}
