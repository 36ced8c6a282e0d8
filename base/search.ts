/** Binary search over ascending numbers: the first index whose value is >= `value` (items.length if none). */
export function lowerBound(items: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
