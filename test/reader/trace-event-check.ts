/**
 * A strict structural checker for the Chrome Trace Event Format (JSON object form), written
 * from the format's documentation ("Trace Event Format", Google): required fields per phase,
 * numeric ts/dur, integer pid/tid, B/E balanced and properly nested per thread with
 * non-decreasing timestamps, X events with dur >= 0, metadata events with their args.
 * Returns the list of problems (empty = valid).
 */
type Json = Record<string, unknown>;

const PHASES = new Set(["B", "E", "X", "i", "I", "M", "C", "b", "e", "n", "s", "t", "f", "P", "N", "O", "D", "R", "c"]);
const METADATA = new Set(["process_name", "process_labels", "process_sort_index", "thread_name", "thread_sort_index"]);

export function checkTraceEvents(doc: unknown): string[] {
  const problems: string[] = [];
  let events: unknown[];
  if (Array.isArray(doc)) events = doc;
  else if (typeof doc === "object" && doc !== null && Array.isArray((doc as Json)["traceEvents"])) {
    events = (doc as Json)["traceEvents"] as unknown[];
    const unit = (doc as Json)["displayTimeUnit"];
    if (unit !== undefined && unit !== "ms" && unit !== "ns") problems.push(`displayTimeUnit ${String(unit)} is neither "ms" nor "ns"`);
  } else return ["not a trace: neither an array nor an object with a traceEvents array"];

  const stacks = new Map<string, { name: unknown; ts: number }[]>();
  const lastTs = new Map<string, number>();
  events.forEach((raw, i) => {
    const at = `traceEvents[${i}]`;
    if (typeof raw !== "object" || raw === null) return problems.push(`${at}: not an object`);
    const e = raw as Json;
    const ph = e["ph"];
    if (typeof ph !== "string" || !PHASES.has(ph)) return problems.push(`${at}: bad ph ${String(ph)}`);
    if (!Number.isInteger(e["pid"])) problems.push(`${at}: pid must be an integer`);
    if (!Number.isInteger(e["tid"])) problems.push(`${at}: tid must be an integer`);
    if (ph !== "M" && (typeof e["ts"] !== "number" || !Number.isFinite(e["ts"]))) problems.push(`${at}: ts must be a finite number`);
    if (ph !== "E" && typeof e["name"] !== "string") problems.push(`${at}: name must be a string`);
    if (e["cat"] !== undefined && typeof e["cat"] !== "string") problems.push(`${at}: cat must be a string`);
    const thread = `${String(e["pid"])}/${String(e["tid"])}`;
    if (ph === "B" || ph === "E") {
      const ts = e["ts"] as number;
      if (ts < (lastTs.get(thread) ?? -Infinity)) problems.push(`${at}: B/E timestamps go backwards on ${thread}`);
      lastTs.set(thread, ts);
      const stack = stacks.get(thread) ?? [];
      stacks.set(thread, stack);
      if (ph === "B") stack.push({ name: e["name"], ts });
      else {
        const open = stack.pop();
        if (open === undefined) problems.push(`${at}: E without a B on ${thread}`);
        else if (e["name"] !== undefined && e["name"] !== open.name) problems.push(`${at}: E "${String(e["name"])}" closes B "${String(open.name)}"`);
      }
    } else if (ph === "X") {
      if (typeof e["dur"] !== "number" || !((e["dur"] as number) >= 0)) problems.push(`${at}: X needs dur >= 0`);
    } else if (ph === "i" || ph === "I") {
      if (e["s"] !== undefined && !["g", "p", "t"].includes(e["s"] as string)) problems.push(`${at}: instant scope must be g, p or t`);
    } else if (ph === "M") {
      const name = e["name"] as string;
      const args = e["args"] as Json | undefined;
      if (!METADATA.has(name)) problems.push(`${at}: unknown metadata event ${name}`);
      else if (name.endsWith("_name") && typeof args?.["name"] !== "string") problems.push(`${at}: ${name} needs args.name`);
      else if (name.endsWith("_sort_index") && typeof args?.["sort_index"] !== "number") problems.push(`${at}: ${name} needs args.sort_index`);
    }
    return undefined;
  });
  for (const [thread, stack] of stacks) if (stack.length > 0) problems.push(`${stack.length} B event(s) never closed on ${thread}`);
  return problems;
}
