// The server process dies and comes back: the views remount and the form is recovered
// (phx-auto-recover) — over WebSocket and long-poll.
"use strict";

const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { TRANSPORTS, expectText, newPage, openLive, waitConnected, waitUntil } = require("./support/browser");

const env = useShowcase();
// The client's reconnect backoff reaches 5 s; give the remount room.
const RECONNECT_MS = 30_000;
const T = { timeout: 90_000 };

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    test("counter: state remounts after the server restarts", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/counter", transport);
      await page.click("#inc");
      await expectText(page, "#count", "1");
      await page.click("#inc");
      await expectText(page, "#count", "2");
      await env.server.restart();
      // While down the client marks the view with phx-error; after the reconnect it mounts
      // again from scratch.
      await expectText(page, "#count", "0", RECONNECT_MS);
      await waitConnected(page, RECONNECT_MS);
      await page.click("#inc");
      await expectText(page, "#count", "1");
      await page.context().close();
    });

    test("form: phx-auto-recover restores the fields after the server restarts", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/form", transport);
      await page.fill("#user-name", "Grace");
      await page.fill("#user-email", "grace@example.com");
      await expectText(page, "#validations", "2");
      await env.server.restart();
      await page.waitForSelector("#recovered", { timeout: RECONNECT_MS });
      await waitConnected(page, RECONNECT_MS);
      assert.equal(await page.inputValue("#user-name"), "Grace");
      assert.equal(await page.inputValue("#user-email"), "grace@example.com");
      // The recovered view works: the server has the values (a valid save).
      await page.click("#save");
      await expectText(page, "#saved", "Saved Grace");
      await page.context().close();
    });
  });
}

describe("restart", () => {
  test("a page opened before the restart still reloads fine afterwards", T, async () => {
    const page = await newPage(env.browser);
    await openLive(page, env.server, "/clock", "websocket");
    await env.server.restart();
    await page.reload();
    await waitConnected(page, RECONNECT_MS);
    await waitUntil(page, () => Number(document.querySelector("#ticks").textContent) >= 1, null, "a tick");
    await page.context().close();
  });
});
