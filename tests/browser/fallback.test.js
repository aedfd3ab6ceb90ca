// The WebSocket → long-poll fallback of app.js (`longPollFallbackMs`): when WebSockets cannot
// open (a proxy that drops them, say), the client switches to long-poll and the page works.
"use strict";

const assert = require("node:assert/strict");
const { test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { assertNoPageErrors, expectText, newPage, waitConnected } = require("./support/browser");

const env = useShowcase();
const T = { timeout: 60_000 };

test("falls back to long-poll when WebSockets fail", T, async () => {
  const page = await newPage(env.browser);
  // Every WebSocket fails before opening, as behind a proxy that refuses upgrades.
  await page.context().addInitScript(() => {
    class BrokenWebSocket extends EventTarget {
      constructor(url) {
        super();
        this.url = url;
        this.readyState = 0;
        setTimeout(() => {
          this.readyState = 3;
          if (this.onerror) this.onerror(new Event("error"));
          if (this.onclose) this.onclose(new CloseEvent("close", { code: 1006 }));
        }, 10);
      }
      send() {}
      close() {}
    }
    window.WebSocket = BrokenWebSocket;
  });
  await page.goto(env.server.url("/counter"));
  await waitConnected(page, 30_000);
  const kind = await page.evaluate(() =>
    window.liveSocket.socket.conn instanceof window.Phoenix.LongPoll ? "longpoll" : "other");
  assert.equal(kind, "longpoll");
  await page.click("#inc");
  await expectText(page, "#count", "1");
  assertNoPageErrors(page, [/WebSocket/i]);
  await page.context().close();
});
