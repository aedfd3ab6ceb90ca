// Chromium (Debian's /usr/bin/chromium) driven by playwright-core, plus small waiting helpers.
//
// `chromium.launch` gives every run a new temporary user-data-dir of its own; each test uses a
// new context (fresh cookies and localStorage). Every wait has a timeout.
"use strict";

const assert = require("node:assert/strict");
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const WAIT_MS = 10_000;
// Both transports the client can use; `?_transport=` picks one (see app.js).
const TRANSPORTS = ["websocket", "longpoll"];

async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** Adds `_transport=<transport>` to a path. */
function withTransport(path, transport) {
  const sep = path.includes("?") ? "&" : "?";
  return `${path}${sep}_transport=${transport}`;
}

/** A new page in a fresh context; collects page errors so tests can assert there were none. */
async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") page.errors.push(m.text());
  });
  return page;
}

/** Waits until the main view (and, by default, every view) has joined. */
async function waitConnected(page, timeout = WAIT_MS) {
  await page.waitForFunction(
    () => {
      const views = Array.from(document.querySelectorAll("[data-phx-session]"));
      return views.length > 0 && views.every((el) => el.classList.contains("phx-connected"));
    },
    null,
    { timeout },
  );
}

/** Opens `path` over `transport` and waits for the views to connect. */
async function openLive(page, server, path, transport) {
  await page.goto(server.url(withTransport(path, transport)));
  await waitConnected(page);
  // The transport in use really is the one asked for (no silent fallback).
  const kind = await page.evaluate(() => {
    const conn = window.liveSocket && window.liveSocket.socket.conn;
    if (!conn) return "none";
    return conn instanceof window.Phoenix.LongPoll ? "longpoll" : "websocket";
  });
  assert.equal(kind, transport, `connected over ${kind}, expected ${transport}`);
}

/** Waits until `selector`'s trimmed text equals `expected`; fails with the last text seen. */
async function expectText(page, selector, expected, timeout = WAIT_MS) {
  try {
    await page.waitForFunction(
      ([sel, want]) => {
        const el = document.querySelector(sel);
        return el !== null && el.textContent.trim() === want;
      },
      [selector, String(expected)],
      { timeout },
    );
  } catch (e) {
    const actual = await page.evaluate((sel) => {
      const el = document.querySelector(sel);
      return el === null ? "<missing>" : el.textContent.trim();
    }, selector);
    assert.fail(`${selector}: expected ${JSON.stringify(String(expected))}, got ${JSON.stringify(actual)}`);
  }
}

/** Waits until `fn(page-side)` returns truthy, with a message on timeout. */
async function waitUntil(page, fn, arg, message, timeout = WAIT_MS) {
  try {
    await page.waitForFunction(fn, arg, { timeout });
  } catch (e) {
    assert.fail(`timed out waiting for ${message}`);
  }
}

/** The trimmed texts of every element matching `selector`. */
function texts(page, selector) {
  return page.$$eval(selector, (els) => els.map((el) => el.textContent.trim()));
}

/** The ids of every element matching `selector`. */
function ids(page, selector) {
  return page.$$eval(selector, (els) => els.map((el) => el.id));
}

/** Fails if the page logged errors (ignoring the expected ones matched by `allow`). */
function assertNoPageErrors(page, allow = []) {
  const errors = page.errors.filter((e) => !allow.some((re) => re.test(e)));
  assert.deepEqual(errors, [], "page errors");
}

module.exports = {
  TRANSPORTS,
  WAIT_MS,
  assertNoPageErrors,
  expectText,
  ids,
  launch,
  newPage,
  openLive,
  texts,
  waitConnected,
  waitUntil,
  withTransport,
};
