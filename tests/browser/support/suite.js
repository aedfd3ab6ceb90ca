// One server and one browser per test file, shared by its tests; closed after.
"use strict";

const path = require("node:path");
const { after, before } = require("node:test");
const { Showcase } = require("./server");
const { launch } = require("./browser");

/**
 * Registers before/after hooks; returns an object filled with {server, browser}.
 * `serverEnv` adds environment variables for the showcase process.
 */
function useShowcase(serverEnv = {}) {
  const env = {};
  before(async () => {
    env.server = await Showcase.start(serverEnv);
    env.browser = await launch();
  });
  after(async () => {
    if (env.browser) await env.browser.close();
    if (env.server) {
      await env.server.stop();
      env.server.saveLog(path.basename(require.main ? require.main.filename : "browser", ".js"));
    }
  });
  return env;
}

module.exports = { useShowcase };
