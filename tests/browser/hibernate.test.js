// Views hibernate when idle (here after 100 ms instead of 15 s): they drop what they can
// rebuild, and the next event must still produce the right page — over both transports.
"use strict";

const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { TRANSPORTS, assertNoPageErrors, expectText, ids, newPage, openLive, texts } = require("./support/browser");
const { sleep } = require("./support/server");

const HIBERNATE_MS = 100;
const env = useShowcase({ SHOWCASE_HIBERNATE_AFTER_MS: String(HIBERNATE_MS) });
const T = { timeout: 60_000 };
// Long enough for the view to go idle and hibernate; nothing is asserted about timing.
const idle = () => sleep(HIBERNATE_MS * 5);

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    test("counter keeps its count across hibernation", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/counter", transport);
      await page.click("#add-5");
      await expectText(page, "#count", "5");
      await idle();
      await page.click("#inc");
      await expectText(page, "#count", "6");
      await idle();
      await page.click("#dec");
      await expectText(page, "#count", "5");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("lists and components render right after hibernation", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/list", transport);
      await page.click("#add-item");
      await expectText(page, "#total", "2");
      await idle();
      await page.click("#add-item");
      await expectText(page, "#total", "3");
      assert.deepEqual(await ids(page, "#append-list li"), ["append-1", "append-2", "append-3"]);
      assert.deepEqual(await ids(page, "#prepend-list li"), ["prepend-3", "prepend-2", "prepend-1"]);
      assert.deepEqual(await ids(page, "#replace-list li"), ["replace-3"]);
      await idle();
      await page.click("#rename-first");
      await expectText(page, "#append-1", "item 1 (renamed)");
      assert.deepEqual(await texts(page, "#append-list li"), ["item 1 (renamed)", "item 2", "item 3"]);

      await openLive(page, env.server, "/components", transport);
      await page.click("#comp-c-inc");
      await expectText(page, "#comp-c-count", "1");
      await idle();
      await page.click("#comp-c-inc");
      await expectText(page, "#comp-c-count", "2");
      await expectText(page, "#comp-a-count", "0");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("search results (a comprehension) after hibernation", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/search", transport);
      await page.fill("#q", "bl");
      await page.press("#q", "Enter");
      await expectText(page, "#search-result", "No fruit named bl");
      assert.deepEqual(await texts(page, "#results li"), ["blackberry", "blueberry"]);
      await idle();
      await page.fill("#q", "gra");
      await page.press("#q", "Enter");
      await expectText(page, "#search-result", "No fruit named gra");
      assert.deepEqual(await texts(page, "#results li"), ["grape", "grapefruit"]);
      assertNoPageErrors(page);
      await page.context().close();
    });
  });
}
