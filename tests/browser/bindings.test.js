// /keys, /list and /hooks: key, focus, capture-click and throttle bindings, phx-update,
// phx-hook — over WebSocket and long-poll.
"use strict";

const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { TRANSPORTS, assertNoPageErrors, expectText, ids, newPage, openLive, texts } = require("./support/browser");

const env = useShowcase();
const T = { timeout: 60_000 };

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    test("keys: phx-keyup/keydown, phx-window-keydown/keyup, phx-focus/blur", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/keys", transport);
      await page.focus("#key-input");
      await expectText(page, "#focus-state", "focused");
      await page.keyboard.press("x");
      await expectText(page, "#last-keydown", "x");
      await expectText(page, "#last-keyup", "x");
      await expectText(page, "#input-value", "x");
      // The input's own phx-keydown took the key: the window binding fires only for targets
      // without one (the client's rule).
      await expectText(page, "#last-key", "none");
      await expectText(page, "#last-window-keyup", "none");
      await page.$eval("#key-input", (el) => el.blur());
      await expectText(page, "#focus-state", "blurred");
      // Outside the input only the window binding fires.
      await page.keyboard.press("Escape");
      await expectText(page, "#last-key", "Escape");
      await expectText(page, "#last-window-keyup", "Escape");
      await expectText(page, "#last-keydown", "x");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("keys: phx-window-focus/blur", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/keys", transport);
      await page.evaluate(() => window.dispatchEvent(new FocusEvent("blur")));
      await expectText(page, "#window-state", "blurred");
      await page.evaluate(() => window.dispatchEvent(new FocusEvent("focus")));
      await expectText(page, "#window-state", "focused");
      await page.context().close();
    });

    test("keys: phx-capture-click catches clicks that stop propagation", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/keys", transport);
      await page.click("#capture-inner");
      await expectText(page, "#capture-count", "1");
      // phx-value-* of the capturing element are the params.
      await expectText(page, "#capture-value", "capture-box");
      await page.click("#capture", { position: { x: 5, y: 5 } });
      await expectText(page, "#capture-count", "2");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("keys: phx-throttle sends one click per second", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/keys", transport);
      // Five clicks in one task: only the first goes out.
      await page.$eval("#throttled", (b) => { for (let i = 0; i < 5; i++) b.click(); });
      await expectText(page, "#throttled-count", "1");
      // Events are handled in order: once a later event is answered, a throttled click that
      // had been sent would have been counted too.
      await page.click("#capture-inner");
      await expectText(page, "#capture-count", "1");
      await expectText(page, "#throttled-count", "1");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("list: phx-update append, prepend, replace, ignore with temporary assigns", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/list", transport);
      await page.click("#add-item");
      await expectText(page, "#total", "2");
      await page.click("#add-item");
      await expectText(page, "#total", "3");
      assert.deepEqual(await ids(page, "#append-list li"), ["append-1", "append-2", "append-3"]);
      assert.deepEqual(await ids(page, "#prepend-list li"), ["prepend-3", "prepend-2", "prepend-1"]);
      assert.deepEqual(await ids(page, "#replace-list li"), ["replace-3"]);
      assert.deepEqual(await ids(page, "#ignore-list li"), ["ignore-1"]);
      // Same id again: updated in place, not duplicated.
      await page.click("#rename-first");
      await expectText(page, "#append-1", "item 1 (renamed)");
      assert.deepEqual(await texts(page, "#append-list li"), ["item 1 (renamed)", "item 2", "item 3"]);
      assert.deepEqual(await texts(page, "#prepend-list li"), ["item 3", "item 2", "item 1 (renamed)"]);
      assert.deepEqual(await ids(page, "#ignore-list li"), ["ignore-1"]);
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("hooks: push_event reaches handleEvent, pushEvent gets the reply", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/hooks", transport);
      await page.click("#push-event");
      await expectText(page, "#hook-out", "hello from the server #1");
      await page.click("#push-event");
      await expectText(page, "#hook-out", "hello from the server #2");
      await page.click("#hook-ping");
      await expectText(page, "#hook-reply", "pong 42");
      await expectText(page, "#pings", "1");
      assertNoPageErrors(page);
      await page.context().close();
    });
  });
}
