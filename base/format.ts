/** Formatting helpers shared by every printer. */

export function hex(n: number, width = 8): string {
  return "0x" + (n >>> 0).toString(16).padStart(width, "0");
}

export function hexShort(n: number): string {
  return "0x" + (n >>> 0).toString(16);
}

/** Windows GUID text form from the 16 bytes as stored on disk (Data1..3 little-endian). */
export function guidToString(b: Uint8Array): string {
  if (b.length !== 16) throw new RangeError("a GUID is 16 bytes");
  const h = (i: number) => b[i]!.toString(16).padStart(2, "0");
  const d1 = h(3) + h(2) + h(1) + h(0);
  const d2 = h(5) + h(4);
  const d3 = h(7) + h(6);
  const d4 = h(8) + h(9);
  const d5 = [10, 11, 12, 13, 14, 15].map(h).join("");
  return `${d1}-${d2}-${d3}-${d4}-${d5}`.toUpperCase();
}

/** Symbol-store directory key: GUID as 32 hex digits without dashes, then age in hex. */
export function symbolStoreKey(guid: string, age: number): string {
  return guid.replace(/-/g, "").toUpperCase() + age.toString(16).toUpperCase();
}

/** A client id as Windows tools print it: process and thread in hex ("1c8:1cc"). */
export function cidText(process: number, thread: number): string {
  return `${(process >>> 0).toString(16)}:${(thread >>> 0).toString(16)}`;
}

/** An integer with thousands separators ("1,166,011"), without loading the ICU locale data. */
export function withCommas(n: number): string {
  const digits = Math.abs(Math.trunc(n)).toString();
  return (n < 0 ? "-" : "") + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * C0 and C1 control characters (everything but printable ASCII, DEL — which import libraries
 * put in front of their `\x7f..._NULL_THUNK_DATA` symbols — and U+00A0 up): never in a real
 * name, harmful in a message or on a terminal.
 */
const CONTROL = /[^ -\u007f\u00a0-\uffff]/g;

/**
 * A name read from a file, with its control characters written as `\xNN`: a name from a damaged
 * or hostile file must not break an error message or a listing into several lines, nor send
 * escape sequences to a terminal.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
