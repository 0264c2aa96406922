// Test helpers: a real `lanyard serve` on a free port with its own SQLite
// file, the test IdP, headless Debian chromium, screenshots and SCIM calls.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, homedir } from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(homedir(), ".cache", "lanyard", "target");
export const lanyardBin = process.env.LANYARD_BIN ?? path.join(targetDir, "debug", "lanyard");
export const artifacts = process.env.E2E_ARTIFACTS ?? path.join(targetDir, "e2e-screenshots");
const python = process.env.LANYARD_TEST_PYTHON ?? path.join(homedir(), ".cache", "lanyard", "saml-venv", "bin", "python");

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url, ms = 20000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** Starts `lanyard serve`; resolves once it printed the setup link. */
export async function startLanyard() {
  const dir = mkdtempSync(path.join(tmpdir(), "lanyard-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const database = path.join(dir, "e2e.db");
  const child = spawn(lanyardBin, ["--database", database, "serve", "--listen", `127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, LANYARD_DATABASE_URL: "", RUST_LOG: "warn" },
  });
  const lines = readline.createInterface({ input: child.stdout });
  const setupPath = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no setup link printed")), 20000);
    child.once("exit", (code) => reject(new Error(`lanyard serve exited with ${code}`)));
    lines.on("line", (line) => {
      const m = line.match(/(\/admin\/setup\?token=\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  await waitFor(`${url}/healthz`);
  return {
    url,
    setupUrl: `${url}${setupPath}`,
    database,
    cli(args, input) {
      const out = spawnSync(lanyardBin, ["--database", database, ...args], { input, encoding: "utf8", env: { ...process.env, LANYARD_DATABASE_URL: "" } });
      if (out.status !== 0) throw new Error(`lanyard ${args.join(" ")}: ${out.stderr}`);
      return out.stdout;
    },
    stop() {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The test IdP (pysaml2) over HTTP; `null` when its Python is missing. */
export async function startIdp() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "lanyard-idp-"));
  const child = spawn(python, [path.join(here, "..", "idp_server.py"), "--port", String(port), "--dir", dir], { stdio: ["ignore", "pipe", "inherit"] });
  const ready = await new Promise((resolve) => {
    child.once("error", () => resolve(false));
    child.once("exit", () => resolve(false));
    readline.createInterface({ input: child.stdout }).once("line", () => resolve(true));
  });
  if (!ready) return null;
  return { url: `http://127.0.0.1:${port}`, stop: () => { child.kill("SIGTERM"); rmSync(dir, { recursive: true, force: true }); } };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** A SCIM client of one tenant. */
export function scim(base, token) {
  return async (method, p, body) => {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}
