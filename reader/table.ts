/**
 * Text tables whose columns never run into each other: every column is as wide as its widest
 * cell (or heading), columns are two spaces apart, numbers right-aligned, the last column
 * (a function name) left-aligned and unpadded. uftrace's heading style: a line of names, a
 * line of "=".
 */
export interface TableColumn {
  readonly heading: string;
  readonly align: "left" | "right";
}

export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.heading.length, ...rows.map((r) => r[i]!.length)));
  const last = columns.length - 1;
  const line = (cells: readonly string[]): string =>
    "  " +
    cells
      .map((cell, i) => (i === last ? cell : columns[i]!.align === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd() +
    "\n";
  let out = line(columns.map((c, i) => (c.align === "right" && i !== last ? c.heading.padStart(widths[i]!) : c.heading)));
  out += line(widths.map((w, i) => "=".repeat(i === last ? Math.max(w, 20) : w)));
  for (const r of rows) out += line(r);
  return out;
}
