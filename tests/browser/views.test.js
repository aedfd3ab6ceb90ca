// /components, /nested, /chat and /static — over WebSocket and long-poll.
"use strict";

const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { TRANSPORTS, assertNoPageErrors, expectText, newPage, openLive, texts, waitConnected, waitUntil } = require("./support/browser");

const env = useShowcase();
const T = { timeout: 60_000 };

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    test("components: own state and phx-target, send_update, send_update_after", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/components", transport);
      // Each click waits for its answer: a click landing while the previous answer patches
      // the button can miss it (mousedown and mouseup on different nodes), in any browser.
      await page.click("#comp-a-inc");
      await expectText(page, "#comp-a-count", "1");
      await page.click("#comp-a-inc");
      await expectText(page, "#comp-a-count", "2");
      await page.click("#comp-b-inc");
      await expectText(page, "#comp-b-count", "1");
      await expectText(page, "#comp-c-count", "0");
      // The components' clicks went to the components, not to the parent.
      await expectText(page, "#parent-clicks", "0");
      await page.click("#reset-all");
      await expectText(page, "#parent-clicks", "1");
      await expectText(page, "#comp-a-count", "0");
      await expectText(page, "#comp-b-count", "0");
      await page.click("#bump-later");
      await expectText(page, "#comp-b-count", "100");
      await expectText(page, "#comp-a-count", "0");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("nested: a crashing child remounts, the parent keeps its state", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/nested", transport);
      await expectText(page, "#child-connected", "true");
      await page.click("#parent-inc");
      await expectText(page, "#parent-count", "1");
      await page.click("#parent-inc");
      await expectText(page, "#parent-count", "2");
      await page.click("#child-inc");
      await expectText(page, "#child-count", "1");
      await page.click("#crash-child");
      // The client rejoins the child (after its rejoin backoff): a fresh mount.
      await expectText(page, "#child-count", "0", 20_000);
      await waitConnected(page, 20_000);
      await expectText(page, "#parent-count", "2");
      await page.click("#child-inc");
      await expectText(page, "#child-count", "1");
      await page.click("#parent-inc");
      await expectText(page, "#parent-count", "3");
      await page.context().close();
    });

    test("chat: a message from one tab appears in every tab", T, async () => {
      const alice = await newPage(env.browser);
      const bob = await newPage(env.browser);
      await openLive(alice, env.server, "/chat", transport);
      await openLive(bob, env.server, "/chat", transport);
      const text = `hello from alice over ${transport}`;
      await alice.fill("#chat-input", text);
      await alice.press("#chat-input", "Enter");
      for (const page of [alice, bob]) {
        await waitUntil(page, (t) => Array.from(document.querySelectorAll("#messages li")).some((li) => li.textContent.includes(t)), text, "the message");
      }
      const reply = `hi alice, bob here over ${transport}`;
      await bob.fill("#chat-input", reply);
      await bob.click("#chat-send");
      await waitUntil(alice, (t) => Array.from(document.querySelectorAll("#messages li")).some((li) => li.textContent.includes(t)), reply, "the reply");
      const lines = await texts(alice, "#messages li");
      assert.ok(lines.indexOf(lines.find((l) => l.includes(text))) < lines.indexOf(lines.find((l) => l.includes(reply))), "in order");
      assertNoPageErrors(alice);
      assertNoPageErrors(bob);
      await alice.context().close();
      await bob.context().close();
    });

    test("static: #reload-static once the tracked assets differ", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/static", transport);
      await expectText(page, "#static-connected", "true");
      assert.equal(await page.$("#reload-static"), null, "same assets: no banner");
      // Simulate a deploy: the page now tracks an asset the server does not know, and the
      // view joins again (as after a reconnect), reporting its tracked assets.
      await page.evaluate(() => new Promise((resolve) => {
        const link = document.createElement("link");
        link.setAttribute("phx-track-static", "");
        link.rel = "prefetch";
        link.href = "/showcase-v2.css";
        document.head.appendChild(link);
        window.liveSocket.disconnect(() => { window.liveSocket.connect(); resolve(); });
      }));
      await page.waitForSelector("#reload-static");
      await expectText(page, "#static-changed", "true");
      await page.context().close();
    });
  });
}

describe("mixed transports", () => {
  test("chat: a WebSocket tab and a long-poll tab see each other's messages", T, async () => {
    const ws = await newPage(env.browser);
    const lp = await newPage(env.browser);
    await openLive(ws, env.server, "/chat", "websocket");
    await openLive(lp, env.server, "/chat", "longpoll");
    const has = (t) => Array.from(document.querySelectorAll("#messages li")).some((li) => li.textContent.includes(t));
    await ws.fill("#chat-input", "from the websocket tab");
    await ws.press("#chat-input", "Enter");
    await waitUntil(lp, has, "from the websocket tab", "the websocket tab's message");
    await lp.fill("#chat-input", "from the long-poll tab");
    await lp.press("#chat-input", "Enter");
    await waitUntil(ws, has, "from the long-poll tab", "the long-poll tab's message");
    await ws.context().close();
    await lp.context().close();
  });
});
