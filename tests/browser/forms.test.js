// /form: phx-change, phx-submit, phx-disable-with, phx-feedback-for, phx-trigger-action.
// (phx-auto-recover is in reconnect.test.js.)
"use strict";

const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { TRANSPORTS, assertNoPageErrors, expectText, newPage, openLive, waitUntil } = require("./support/browser");

const env = useShowcase();
const T = { timeout: 60_000 };

const hidden = (page, sel) => page.$eval(sel, (el) => el.classList.contains("phx-no-feedback") || getComputedStyle(el).display === "none");

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    test("phx-feedback-for hides errors until the field was used", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/form", transport);
      // Nothing touched: both messages exist but are hidden.
      assert.equal(await hidden(page, "#name-error"), true);
      assert.equal(await hidden(page, "#email-error"), true);

      await page.fill("#user-email", "nobody");
      await expectText(page, "#validations", "1");
      await expectText(page, "#email-error", "must have the @ sign");
      await waitUntil(page, () => !document.querySelector("#email-error").classList.contains("phx-no-feedback"), null, "email feedback");
      assert.equal(await page.isVisible("#email-error"), true);
      // The name field was not used: its error is rendered but still hidden.
      await expectText(page, "#name-error", "can't be blank");
      assert.equal(await hidden(page, "#name-error"), true);
      assert.equal(await page.isVisible("#name-error"), false);

      await page.fill("#user-name", "A");
      await expectText(page, "#name-error", "should be at least 2 characters");
      await waitUntil(page, () => !document.querySelector("#name-error").classList.contains("phx-no-feedback"), null, "name feedback");
      assert.equal(await page.isVisible("#name-error"), true);
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("submitting shows every error", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/form", transport);
      await page.click("#save");
      await waitUntil(page, () => document.querySelectorAll(".phx-no-feedback").length === 0, null, "all feedback shown");
      assert.equal(await page.isVisible("#name-error"), true);
      assert.equal(await page.isVisible("#email-error"), true);
      assert.equal(await page.$("#saved"), null);
      await page.context().close();
    });

    test("phx-submit with phx-disable-with", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/form", transport);
      await page.fill("#user-name", "Ada");
      await page.fill("#user-email", "ada@example.com");
      await expectText(page, "#email-error", "");
      await page.click("#save");
      // The server takes 400 ms to save: the button is disabled with the other text meanwhile.
      await waitUntil(page, () => {
        const b = document.querySelector("#save");
        return b.disabled && b.textContent.trim() === "Saving...";
      }, null, "phx-disable-with");
      await expectText(page, "#saved", "Saved Ada");
      await expectText(page, "#save", "Save");
      assert.equal(await page.$eval("#save", (b) => b.disabled), false);
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("phx-trigger-action posts the form over HTTP", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/form", transport);
      await page.fill("#user-name", "Grace");
      await page.fill("#user-email", "grace@example.com");
      await page.check("#user-http");
      await Promise.all([page.waitForURL("**/form/echo"), page.click("#save")]);
      await expectText(page, "#echo-user-name", "Grace");
      await expectText(page, "#echo-user-email", "grace@example.com");
      await page.context().close();
    });
  });
}
