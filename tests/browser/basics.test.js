// /counter, /thermostat, /clock, /search and the index, over WebSocket and long-poll.
"use strict";

const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { TRANSPORTS, assertNoPageErrors, expectText, newPage, openLive, texts, waitUntil } = require("./support/browser");

const env = useShowcase();
const T = { timeout: 60_000 };

describe("index", () => {
  test("links every demo, and every demo connects", T, async () => {
    const page = await newPage(env.browser);
    await page.goto(env.server.url("/"));
    const links = await page.$$eval("#demos a", (as) => as.map((a) => a.getAttribute("href")));
    for (const path of ["/counter", "/thermostat", "/clock", "/search", "/form", "/keys", "/list", "/hooks",
      "/nav", "/components", "/nested", "/chat", "/static"]) {
      assert.ok(links.some((href) => href.split("?")[0] === path), `index links ${path}`);
    }
    for (const href of links) {
      await openLive(page, env.server, href, "websocket");
    }
    assertNoPageErrors(page);
    await page.context().close();
  });
});

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    test("counter: phx-click and phx-value-*", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/counter", transport);
      await expectText(page, "#count", "0");
      await page.click("#inc");
      await expectText(page, "#count", "1");
      await page.click("#inc");
      await expectText(page, "#count", "2");
      await page.click("#dec");
      await expectText(page, "#count", "1");
      await page.click("#add-5");
      await expectText(page, "#count", "6");
      assert.match(await page.title(), /Counter/);
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("thermostat: session from the route, timer from ?interval=", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/thermostat?interval=100", transport);
      await expectText(page, "#user-id", "42");
      await expectText(page, "#interval", "100");
      const start = Number(await page.textContent("#temperature"));
      await page.click("#inc-temperature");
      await expectText(page, "#temperature", String(start + 1));
      // The timer runs only once connected and keeps going.
      await waitUntil(page, () => Number(document.querySelector("#updates").textContent) >= 3, null, "3 timer updates");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("clock: ticks every second once connected", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/clock", transport);
      assert.match(await page.textContent("#clock"), /^\d\d:\d\d:\d\d$/);
      const first = await page.textContent("#clock");
      await waitUntil(page, (t) => document.querySelector("#clock").textContent !== t, first, "the clock to change");
      await waitUntil(page, () => Number(document.querySelector("#ticks").textContent) >= 2, null, "2 ticks");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("search: debounced phx-change and phx-submit", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/search", transport);
      await page.click("#q");
      // Six keystrokes, far quicker than the 300 ms debounce: fewer change events than keys.
      await page.keyboard.type("pineap", { delay: 10 });
      await waitUntil(page, () => document.querySelectorAll("#results li").length > 0, null, "suggestions");
      assert.deepEqual(await texts(page, "#results li"), ["pineapple"]);
      const changes = Number(await page.textContent("#changes"));
      assert.ok(changes >= 1 && changes < 6, `debounced change events: ${changes}`);

      await page.fill("#q", "pear");
      await page.press("#q", "Enter");
      await expectText(page, "#search-result", "Found pear");
      assertNoPageErrors(page);
      await page.context().close();
    });
  });
}
