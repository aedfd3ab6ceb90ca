// /nav: push_patch + handle_params, live_patch / live_redirect links, push_navigate, redirect,
// flash and page title — over WebSocket and long-poll.
"use strict";

const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { TRANSPORTS, assertNoPageErrors, expectText, newPage, openLive, waitConnected, waitUntil } = require("./support/browser");

const env = useShowcase();
const T = { timeout: 60_000 };

// A value on `window` survives live navigation and disappears on a page load.
const mark = (page) => page.evaluate(() => { window.__noReload = true; });
const marked = (page) => page.evaluate(() => window.__noReload === true);

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    test("push_patch pagination runs handle_params and sets the title", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/nav", transport);
      await expectText(page, "#page", "1");
      await mark(page);
      await page.click("#next-page");
      await expectText(page, "#page", "2");
      await page.waitForURL(/\/nav\?page=2$/);
      await waitUntil(page, () => document.title === "Page 2 · liveview showcase", null, "the title of page 2");
      await page.click("#next-page");
      await expectText(page, "#page", "3");
      await page.goBack();
      await expectText(page, "#page", "2");
      assert.equal(await marked(page), true, "no page load");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("live_patch and live_redirect links", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/nav", transport);
      await mark(page);
      await page.click("#patch-link");
      await expectText(page, "#page", "5");
      await page.waitForURL(/\/nav\?page=5$/);
      await page.click("#redirect-link");
      await page.waitForSelector("#other");
      await page.waitForURL(/\/nav\/other$/);
      await waitConnected(page);
      await waitUntil(page, () => document.title === "Other page · liveview showcase", null, "the other title");
      await page.click("#back-link");
      await expectText(page, "#page", "2");
      assert.equal(await marked(page), true, "live navigation, no page load");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("push_navigate to /counter carries the flash", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/nav", transport);
      await mark(page);
      await page.click("#navigate-counter");
      await page.waitForURL(/\/counter$/);
      await page.waitForSelector("#count");
      await waitConnected(page);
      await expectText(page, "#flash-info", "Welcome to the counter");
      assert.equal(await marked(page), true, "live navigation, no page load");
      await page.click("#inc");
      await expectText(page, "#count", "1");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("redirect loads a plain page", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/nav", transport);
      await mark(page);
      await Promise.all([page.waitForURL(/\/plain$/), page.click("#redirect-plain")]);
      await page.waitForSelector("#plain");
      assert.equal(await marked(page), false, "a full page load");
      await page.context().close();
    });

    test("put_flash and clear_flash", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/nav", transport);
      await page.click("#put-flash-info");
      await expectText(page, "#flash-info", "It worked!");
      await page.click("#put-flash-error");
      await expectText(page, "#flash-error", "Something went wrong");
      await page.click("#clear-flash");
      await page.waitForSelector("#flash-info", { state: "detached" });
      await page.waitForSelector("#flash-error", { state: "detached" });
      assertNoPageErrors(page);
      await page.context().close();
    });
  });
}
