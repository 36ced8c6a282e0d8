/**
 * The real clients for viewer tests: Debian's Chromium driven headless through playwright-core
 * (no browser download: executablePath is the system one), and a static file server on
 * 127.0.0.1 for speedscope's release build from npm and the files under test.
 */
import { createServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import type { AddressInfo } from "node:net";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

/** speedscope's release build, as its npm package ships it. */
export const SPEEDSCOPE_DIR = join(import.meta.dirname, "../../node_modules/speedscope/dist/release");

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".svg": "image/svg+xml",
  ".txt": "text/plain",
};

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `mounts` (URL prefix → directory) on 127.0.0.1 on a free port. Nothing else is reachable. */
export async function serveStatic(mounts: Record<string, string>): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const prefix = Object.keys(mounts)
      .sort((a, b) => b.length - a.length)
      .find((p) => path.startsWith(p));
    const rel = prefix === undefined ? undefined : normalize(path.slice(prefix.length) || "index.html");
    const file = prefix === undefined || rel === undefined || rel.startsWith("..") ? undefined : join(mounts[prefix]!, rel);
    if (file === undefined || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "access-control-allow-origin": "*" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A fresh headless Chromium (own profile directory, no network besides 127.0.0.1 use) for `body`. */
export async function withPage<T>(body: (page: Page) => Promise<T>): Promise<T> {
  if (CHROMIUM === undefined) throw new Error("Chromium is not installed (Debian package chromium)");
  const profile = mkdtempSync(join(tmpdir(), "ntrace-chromium-"));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 800 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return await body(page);
  } finally {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
