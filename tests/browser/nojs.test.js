// JavaScript disabled: every page is complete HTML from the first (static) render, and the
// form still works as a plain HTML form.
"use strict";

const assert = require("node:assert/strict");
const { test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { newPage } = require("./support/browser");

const env = useShowcase();
const T = { timeout: 60_000 };

// Route → selector and text the static render must contain.
const PAGES = [
  ["/counter", "#count", "0"],
  ["/thermostat?interval=100", "#user-id", "42"],
  ["/clock", "#ticks", "0"],
  ["/search", "#changes", "0"],
  ["/form", "#validations", "0"],
  ["/keys", "#focus-state", "none"],
  ["/list", "#append-1", "item 1"],
  ["/hooks", "#pings", "0"],
  ["/nav?page=3", "#page", "3", /^Page 3 · liveview showcase$/],
  ["/nav/other", "#other", "Another view"],
  ["/components", "#comp-b-count", "0"],
  ["/nested", "#child-count", "0"],
  ["/chat", "#chat-send", "Send"],
  ["/static", "#static-connected", "false"],
];

test("every route renders without JavaScript", T, async () => {
  const page = await newPage(env.browser, { javaScriptEnabled: false });
  for (const [path, selector, text, title] of PAGES) {
    const response = await page.goto(env.server.url(path));
    assert.equal(response.status(), 200, `${path} status`);
    const found = await page.$(selector);
    assert.ok(found, `${path}: ${selector} in the static render`);
    assert.equal((await found.textContent()).trim(), text, `${path}: ${selector}`);
    // The page is a LiveView page: the main view container with its session.
    assert.ok(await page.$("[data-phx-main][data-phx-session]"), `${path}: main view container`);
    assert.equal(await page.$(".phx-connected"), null, `${path}: never connected`);
    if (title) assert.match(await page.title(), title, `${path}: title`);
  }
  await page.context().close();
});

test("the form posts as plain HTML without JavaScript", T, async () => {
  const page = await newPage(env.browser, { javaScriptEnabled: false });
  await page.goto(env.server.url("/form"));
  await page.fill("#user-name", "Ada");
  await page.fill("#user-email", "ada@example.com");
  await Promise.all([page.waitForURL("**/form/echo"), page.click("#save")]);
  assert.equal((await page.textContent("#echo-user-name")).trim(), "Ada");
  await page.context().close();
});
