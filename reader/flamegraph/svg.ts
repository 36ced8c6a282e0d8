/**
 * A self-contained interactive flame graph (SVG + embedded script, in the manner of
 * flamegraph.pl): the root at the bottom, width = inclusive time, children sorted by name.
 * Hovering a frame shows its name, time and share in the details line (and as a tooltip via
 * <title>); clicking zooms to it (its ancestors stay, stretched); clicking the root or
 * "Reset Zoom" resets; "Search" highlights frames matching a regular expression and the
 * status line says how many matched and their share of the time ("Reset Search" clears).
 * Frames narrower than 0.1 px are left out (as flamegraph.pl's --minwidth does).
 */
import type { TextOutput } from "../output.js";
import type { CallPathTree } from "./calltree.js";
import { threadFrameName } from "./folded.js";

export interface SvgOptions {
  readonly title: string;
  readonly width?: number;
  /** Formats a duration in clock units for labels. */
  readonly duration: (value: number) => string;
}

const FRAME_HEIGHT = 16;
const FONT_SIZE = 12;
const CHAR_WIDTH = FONT_SIZE * 0.59;
const PAD_X = 10;
const PAD_TOP = 34;
const PAD_BOTTOM = 34;
const MIN_WIDTH_PX = 0.1;

const escapeXml = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A warm colour from the name (stable across runs), like flamegraph.pl's "hot" palette. */
function colour(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  const v1 = ((h >>> 0) % 1000) / 1000;
  const v2 = ((h >>> 10) % 1000) / 1000;
  return `rgb(${205 + Math.round(50 * v2)},${Math.round(230 * v1)},${Math.round(55 * v2)})`;
}

function fitText(name: string, widthPx: number): string {
  const chars = Math.floor((widthPx - 6) / CHAR_WIDTH);
  if (chars < 3) return "";
  return name.length <= chars ? name : name.slice(0, chars - 2) + "..";
}

export function writeSvg(tree: CallPathTree, name: (fn: number) => string, out: TextOutput, options: SvgOptions): void {
  const width = options.width ?? 1200;
  const usable = width - 2 * PAD_X;
  const { first, next } = tree.childLists();
  const roots = tree.rootIds();
  let grand = 0;
  for (const r of roots) grand += tree.total[r]!;
  const frameName = (id: number): string => {
    const fn = tree.fn[id]!;
    if (fn >= 0) return name(fn);
    const ti = tree.rootThread[id]!;
    return ti < 0 ? "all threads" : threadFrameName(tree.threads[ti]!.key);
  };
  // Pass 1: max depth of drawn frames, to size the picture (root "all" is level 0).
  interface Item { id: number; x: number; depth: number }
  const sortedChildren = (id: number): number[] => {
    const kids: number[] = [];
    for (let c = first[id]!; c >= 0; c = next[c]!) kids.push(c);
    return kids.map((c) => ({ c, n: frameName(c) })).sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : a.c - b.c)).map((k) => k.c);
  };
  const scale = grand > 0 ? usable / grand : 0;
  const items: Item[] = [];
  const stack: Item[] = [];
  let x0 = 0;
  for (const r of [...roots].sort((a, b) => (frameName(a) < frameName(b) ? -1 : 1))) {
    stack.push({ id: r, x: x0, depth: 1 });
    x0 += tree.total[r]!;
  }
  // Thread roots are at level 1 under "all"; a merged tree's root is "all" itself.
  const mergedRoot = roots.length === 1 && tree.fn[roots[0]!] === -1 && tree.rootThread[roots[0]!] === -1;
  let maxDepth = 0;
  while (stack.length > 0) {
    const it = stack.pop()!;
    if (tree.total[it.id]! * scale < MIN_WIDTH_PX) continue;
    const depth = mergedRoot ? it.depth - 1 : it.depth;
    items.push({ id: it.id, x: it.x, depth });
    maxDepth = Math.max(maxDepth, depth);
    let cx = it.x;
    for (const c of sortedChildren(it.id)) {
      stack.push({ id: c, x: cx, depth: it.depth + 1 });
      cx += tree.total[c]!;
    }
  }
  const height = PAD_TOP + (maxDepth + 1) * FRAME_HEIGHT + PAD_BOTTOM;
  const yOf = (depth: number): number => height - PAD_BOTTOM - (depth + 1) * FRAME_HEIGHT;

  out.write(`<?xml version="1.0" standalone="no"?>
<svg version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="init(evt)">
<style type="text/css">
  text { font-family: Verdana, sans-serif; font-size: ${FONT_SIZE}px; fill: rgb(0,0,0); }
  #title { text-anchor: middle; font-size: 17px; }
  #details, #status { font-size: ${FONT_SIZE}px; }
  .f:hover rect { stroke: black; stroke-width: 0.5; cursor: pointer; }
  .hidden { display: none; }
  .parent rect { opacity: 0.5; }
  .match rect { fill: rgb(230,0,230) !important; }
</style>
<script type="text/ecmascript"><![CDATA[
// Everything lives in one object: bare globals such as "status" or "frames" are properties of
// window in a browser (window.status swallows a text node as a string), which broke search.
var ntrace = { W: ${usable}, PAD: ${PAD_X}, CW: ${CHAR_WIDTH}, details: null, status: null, frames: null, term: null };
function init(evt) {
  ntrace.details = document.getElementById("details").firstChild;
  ntrace.status = document.getElementById("status").firstChild;
  ntrace.frames = document.getElementById("frames").children;
  for (var i = 0; i < ntrace.frames.length; i++) {
    var g = ntrace.frames[i];
    g.addEventListener("mouseover", function () { ntrace.details.nodeValue = this.getAttribute("data-info"); });
    g.addEventListener("mouseout", function () { ntrace.details.nodeValue = " "; });
    g.addEventListener("click", function () { zoom(this); });
  }
  document.getElementById("unzoom").addEventListener("click", function () { zoom(null); });
  document.getElementById("search").addEventListener("click", function () {
    if (ntrace.term !== null) { search(null); return; }
    var term = prompt("Search for (regular expression):", "");
    if (term) search(term);
  });
}
function fit(g, w) {
  var t = g.getElementsByTagName("text")[0], name = g.getAttribute("data-name");
  var n = Math.floor((w - 6) / ntrace.CW);
  t.textContent = n < 3 ? "" : (name.length <= n ? name : name.slice(0, n - 2) + "..");
}
function zoom(target) {
  var zx = 0, zw = 1, zd = -1, frames = ntrace.frames, W = ntrace.W, PAD = ntrace.PAD;
  if (target !== null && target.getAttribute("data-depth") !== "0") {
    zx = parseFloat(target.getAttribute("data-x")); zw = parseFloat(target.getAttribute("data-w"));
    zd = parseInt(target.getAttribute("data-depth"), 10);
  }
  document.getElementById("unzoom").classList.toggle("hidden", zd < 0);
  for (var i = 0; i < frames.length; i++) {
    var g = frames[i], x = parseFloat(g.getAttribute("data-x")), w = parseFloat(g.getAttribute("data-w"));
    var d = parseInt(g.getAttribute("data-depth"), 10), r = g.getElementsByTagName("rect")[0], t = g.getElementsByTagName("text")[0];
    g.classList.remove("parent");
    if (zd >= 0 && d < zd && x <= zx && x + w >= zx + zw) {
      r.setAttribute("x", PAD); r.setAttribute("width", W); t.setAttribute("x", PAD + 3); fit(g, W); g.classList.add("parent");
      g.classList.remove("hidden"); continue;
    }
    if (zd >= 0 && (x + w <= zx + 1e-12 || x >= zx + zw - 1e-12 || d < zd)) { g.classList.add("hidden"); continue; }
    g.classList.remove("hidden");
    var nx = PAD + (x - zx) / zw * W, nw = w / zw * W;
    r.setAttribute("x", nx); r.setAttribute("width", nw); t.setAttribute("x", nx + 3); fit(g, nw);
  }
}
// Highlights the frames whose name matches; the status line gives how many and their share of
// the total time (frames nested in another match are not counted twice).
function search(term) {
  var re = term === null ? null : new RegExp(term), frames = ntrace.frames, hits = 0, spans = [];
  for (var i = 0; i < frames.length; i++) {
    var m = re !== null && re.test(frames[i].getAttribute("data-name"));
    frames[i].classList.toggle("match", m);
    if (m) { hits++; spans.push([parseFloat(frames[i].getAttribute("data-x")), parseFloat(frames[i].getAttribute("data-w"))]); }
  }
  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
  var share = 0, end = -1;
  for (var j = 0; j < spans.length; j++) {
    var s = spans[j][0], e = s + spans[j][1];
    if (e <= end) continue;
    share += e - Math.max(s, end); end = e;
  }
  ntrace.term = term;
  document.getElementById("search").firstChild.nodeValue = term === null ? "Search" : "Reset Search";
  ntrace.status.nodeValue = term === null ? " " : hits + " matched, " + (100 * share).toFixed(2) + "% of the time: " + term;
}
]]></script>
<rect x="0" y="0" width="${width}" height="${height}" fill="rgb(250,250,240)"/>
<text id="title" x="${width / 2}" y="24">${escapeXml(options.title)}</text>
<text id="unzoom" class="hidden" x="${PAD_X}" y="24" style="cursor:pointer">Reset Zoom</text>
<text id="search" x="${width - PAD_X}" y="24" style="cursor:pointer;text-anchor:end">Search</text>
<text id="details" x="${PAD_X}" y="${height - 12}"> </text>
<text id="status" x="${width - PAD_X}" y="${height - 12}" style="text-anchor:end"> </text>
<g id="frames">
`);
  const frame = (label: string, value: number, x: number, depth: number): void => {
    const share = grand > 0 ? (100 * value) / grand : 0;
    const info = `${label} (${options.duration(value)}, ${share.toFixed(2)}%)`;
    const px = PAD_X + x * scale;
    const pw = value * scale;
    const y = yOf(depth);
    out.write(
      `<g class="f" data-name="${escapeXml(label)}" data-info="${escapeXml(info)}" data-x="${grand > 0 ? x / grand : 0}" data-w="${grand > 0 ? value / grand : 1}" data-depth="${depth}">` +
        `<title>${escapeXml(info)}</title><rect x="${px.toFixed(2)}" y="${y}" width="${pw.toFixed(2)}" height="${FRAME_HEIGHT - 1}" fill="${depth === 0 ? "rgb(200,200,200)" : colour(label)}" rx="2" ry="2"/>` +
        `<text x="${(px + 3).toFixed(2)}" y="${y + FRAME_HEIGHT - 4}">${escapeXml(fitText(label, pw))}</text></g>\n`,
    );
  };
  if (!mergedRoot) frame("all threads", grand, 0, 0);
  for (const it of items) frame(frameName(it.id), tree.total[it.id]!, it.x, it.depth);
  out.write(`</g>\n</svg>\n`);
}
