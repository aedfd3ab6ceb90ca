// /upload: live_file_input, validation on phx-change, chunked upload over lvu: channels
// (binary frames over WebSocket, base64 over long-poll), progress, consume on submit.
"use strict";

const assert = require("node:assert/strict");
const { describe, test } = require("node:test");
const { useShowcase } = require("./support/suite");
const { TRANSPORTS, assertNoPageErrors, newPage, openLive, waitUntil } = require("./support/browser");

const env = useShowcase();
const T = { timeout: 60_000 };

for (const transport of TRANSPORTS) {
  describe(`over ${transport}`, () => {
    test("a chosen file uploads in chunks and is consumed on submit", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/upload", transport);
      // 2,500 bytes: three 1,000-byte chunks.
      const text = "hello upload ".repeat(192) + "end.";
      await page.setInputFiles("input[type=file]", { name: "note.txt", mimeType: "text/plain", buffer: Buffer.from(text) });
      await waitUntil(page, () => /note\.txt/.test(document.querySelector("#entry-0")?.textContent || ""), null, "entry listed");
      await waitUntil(page, () => document.querySelector("input[type=file]").dataset.phxActiveRefs === "0", null, "active ref");
      await page.click("#upload-save");
      await waitUntil(page, () => document.querySelector("#saved-files li") !== null, null, "saved file", 20_000);
      const saved = await page.textContent("#saved-files li");
      assert.ok(saved.startsWith(`note.txt (${text.length} bytes): hello upload`), saved);
      assert.ok(saved.trim().endsWith("end."), saved);
      assert.equal(await page.$("#entry-0"), null, "the consumed entry is gone");
      assertNoPageErrors(page);
      await page.context().close();
    });

    test("a file of the wrong type shows not_accepted", T, async () => {
      const page = await newPage(env.browser);
      await openLive(page, env.server, "/upload", transport);
      await page.setInputFiles("input[type=file]", { name: "pic.png", mimeType: "image/png", buffer: Buffer.from("png") });
      await waitUntil(page, () => /not_accepted/.test(document.querySelector("#upload-entries").textContent), null, "not_accepted");
      assertNoPageErrors(page);
      await page.context().close();
    });
  });
}
