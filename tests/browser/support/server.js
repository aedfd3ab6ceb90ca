// Starts the showcase binary on a free loopback port and stops it; used by every browser test.
//
// The binary is target/debug/examples/showcase (built by `make test` with `cargo build
// --examples`); SHOWCASE_BIN overrides it. Every wait has a timeout.
"use strict";

const { spawn } = require("node:child_process");
const net = require("node:net");
const path = require("node:path");
const fs = require("node:fs");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BIN = process.env.SHOWCASE_BIN || path.join(ROOT, "target", "debug", "examples", "showcase");
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
// Fixed per test run so a restarted server still verifies the pages' tokens and cookies.
const SECRET = "browser-tests-secret-key-base-0123456789abcdef0123456789abcdef";

/** A free TCP port on 127.0.0.1 (bind port 0, read it, release it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once GET / answers, rejects after `timeoutMs` or when the process exits. */
async function waitReady(base, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`showcase exited early (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const res = await fetch(base + "/", { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return;
      lastError = new Error(`GET / answered ${res.status}`);
    } catch (e) {
      lastError = e;
    }
    await sleep(100);
  }
  throw new Error(`showcase did not answer on ${base} within ${timeoutMs} ms: ${lastError}`);
}

/** One showcase process; `restart()` keeps the port (for reconnect tests). */
class Showcase {
  constructor(port, extraEnv = {}) {
    this.extraEnv = extraEnv;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.child = null;
    this.log = [];
  }

  /** Writes the server's output to target/browser-logs/<name>.log (read it when a test fails). */
  saveLog(name) {
    const dir = path.join(ROOT, "target", "browser-logs");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${name}.log`), this.output());
  }

  /** Starts the showcase; `extraEnv` adds environment variables (e.g. SHOWCASE_HIBERNATE_AFTER_MS). */
  static async start(extraEnv = {}) {
    if (!fs.existsSync(BIN)) {
      throw new Error(`${BIN} is missing: run \`cargo build --examples\` (or set SHOWCASE_BIN)`);
    }
    const server = new Showcase(await freePort(), extraEnv);
    await server.spawn();
    return server;
  }

  async spawn() {
    const env = { ...process.env, ...this.extraEnv, PORT: String(this.port), LIVEVIEW_SECRET: SECRET };
    env.RUST_LOG = env.RUST_LOG || "warn";
    this.child = spawn(BIN, [], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk) => {
      this.log.push(chunk.toString());
      if (this.log.length > 2000) this.log.shift();
    };
    this.child.stdout.on("data", keep);
    this.child.stderr.on("data", keep);
    try {
      await waitReady(this.base, this.child, START_TIMEOUT_MS);
    } catch (e) {
      await this.stop();
      throw new Error(`${e.message}\n--- showcase output ---\n${this.log.join("")}`);
    }
  }

  /** Kills the process (SIGKILL by default: the connections drop as in a crash). */
  async stop(signal = "SIGKILL") {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
  }

  /** Drops every connection by killing the server, then starts it again on the same port. */
  async restart() {
    await this.stop();
    await this.spawn();
  }

  url(pathAndQuery) {
    return this.base + pathAndQuery;
  }

  output() {
    return this.log.join("");
  }
}

module.exports = { Showcase, freePort, sleep };
