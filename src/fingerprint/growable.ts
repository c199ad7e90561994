/** Typed-array storage that grows by doubling; `count` says how much is valid. */
export function grown<T extends Uint32Array | Uint16Array | Uint8Array | Float32Array | Float64Array>(array: T, needed: number): T {
  if (needed <= array.length) return array
  let size = Math.max(16, array.length)
  while (size < needed) size *= 2
  const next = new (array.constructor as new (n: number) => T)(size)
  next.set(array)
  return next
}
