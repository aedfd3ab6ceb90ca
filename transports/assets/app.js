// liveview bootstrap: connects the official phoenix_live_view client to this server.
//
// Loaded after the two IIFE builds served from node_modules:
//   /assets/phoenix/phoenix.min.js                      -> global `Phoenix`  (Socket, LongPoll, ...)
//   /assets/phoenix_live_view/phoenix_live_view.min.js  -> global `LiveView` (LiveSocket, isUsedInput, ...)
// and after /assets/liveview/compat.js (global `LiveviewCompat`), which restores the seed's
// bindings that the 1.x client dropped (phx-capture-click, phx-feedback-for).
//
// Application code customises the socket *before* this script runs:
//   window.liveviewHooks  = {MyHook: {mounted() {...}}}   // phx-hook callbacks
//   window.liveviewParams = {locale: "en"}                // extra connect params
//
// Transport choice:
//   - default: WebSocket, with `longPollFallbackMs: 2500` (the Phoenix generators' setting): if
//     the WebSocket cannot open or fails its first heartbeat, the client switches to long-poll.
//   - forced long-poll: `?_transport=longpoll` in the page URL, or
//     `localStorage["liveview:transport"] = "longpoll"`. Tests use this to run every scenario
//     over both transports; the flag in localStorage survives live navigation and reloads.
(function () {
  "use strict";

  if (!window.Phoenix || !window.LiveView) {
    console.error("liveview: load phoenix.min.js and phoenix_live_view.min.js before app.js");
    return;
  }

  function wantsLongPoll() {
    var fromUrl = new URLSearchParams(window.location.search).get("_transport");
    if (fromUrl) {
      // Remember the choice so navigation to another view keeps the transport.
      try {
        window.localStorage.setItem("liveview:transport", fromUrl);
      } catch (_e) {
        // Storage may be disabled (private mode); the URL flag still applies to this page.
      }
      return fromUrl === "longpoll";
    }
    try {
      return window.localStorage.getItem("liveview:transport") === "longpoll";
    } catch (_e) {
      return false;
    }
  }

  var meta = document.querySelector("meta[name='csrf-token']");
  var csrfToken = meta ? meta.getAttribute("content") : null;
  var extraParams = window.liveviewParams || {};

  var options = {
    // A function, so every (re)join sends the current values.
    params: function () {
      return Object.assign({ _csrf_token: csrfToken }, extraParams);
    },
    hooks: window.liveviewHooks || {},
  };

  if (wantsLongPoll()) {
    options.transport = window.Phoenix.LongPoll;
  } else {
    options.longPollFallbackMs = 2500;
  }

  if (window.LiveviewCompat) {
    options.dom = window.LiveviewCompat.domCallbacks(options.dom || {});
  }

  var liveSocket = new window.LiveView.LiveSocket("/live", window.Phoenix.Socket, options);
  if (window.LiveviewCompat) {
    window.LiveviewCompat.install(liveSocket);
  }
  liveSocket.connect();

  // Handy in the console (`liveSocket.enableDebug()`) and used by the browser tests.
  window.liveSocket = liveSocket;
})();
