// liveview compat: bindings of the LiveView API that the official 1.x client dropped or broke,
// restored on top of the unmodified client (no fork, no monkey-patching of its internals).
//
// Load after phoenix_live_view.min.js and before app.js. It defines `window.LiveviewCompat`:
//   LiveviewCompat.domCallbacks(dom) -> the `dom` option for `new LiveSocket(...)`, wrapping
//                                       the app's own `dom` callbacks
//   LiveviewCompat.install(liveSocket) -> binds the document listeners
// app.js calls both; an app that writes its own bootstrap can do the same. The bindings are
// read with the default `phx-` prefix.
//
// 1. phx-capture-click="event"
//    The click is caught in the capture phase: the event is pushed even when an element inside
//    stops the click's propagation (e.g. a menu that closes on any click). The push goes through
//    `liveSocket.execJS(el, [["push", {event}]], "click")`, the same path as a `JS.push`, so the
//    element's `phx-value-*` attributes become the params and `phx-target` picks the component
//    or view, exactly as with phx-click.
//
// 2. phx-window-focus="event" / phx-window-blur="event"
//    The 1.2 client listens for them but drops every event whose target is not an element,
//    and the window's own focus/blur events target `window` (element focus events do not
//    bubble), so they never reach the server. We push them when the window gains or loses
//    focus, from every element carrying the binding (phx-value-* and phx-target apply).
//
// 3. phx-feedback-for="field name"
//    A container (usually an error message) whose errors stay hidden until the user has
//    interacted with the input of that name (or id, as 0.x templates wrote it): the container gets the class `phx-no-feedback`
//    (style it, e.g. `.phx-no-feedback.error {display: none}`). An input counts as used once
//    it sent a change, its form was submitted (the client's own `isUsedInput`), or it lost
//    focus after having it. The class is recomputed at the end of every DOM patch (the
//    server's HTML never carries it) and on focus changes; a form `reset` forgets the blurs.
(function () {
  "use strict";

  var NO_FEEDBACK = "phx-no-feedback";
  // Inputs that lost focus after having it: the 0.x client showed feedback for those too.
  var blurred = new WeakSet();

  function isUsed(input) {
    if (blurred.has(input)) return true;
    var lv = window.LiveView;
    return !!(lv && lv.isUsedInput && lv.isUsedInput(input));
  }

  function inputsNamed(root, name) {
    var escaped = window.CSS && CSS.escape ? CSS.escape(name) : name.replace(/"/g, '\\"');
    // By name (1.x error helpers), or by id as the 0.x `error_tag` wrote it.
    var query = '[name="' + escaped + '"], [name="' + escaped + '[]"], [id="' + escaped + '"]';
    return Array.prototype.slice.call(root.querySelectorAll(query));
  }

  // Sets or clears `phx-no-feedback` on one container according to its input's use.
  function applyFeedback(el) {
    var name = el.getAttribute("phx-feedback-for");
    if (!name) {
      el.classList.remove(NO_FEEDBACK);
      return;
    }
    var form = el.closest("form");
    var inputs = inputsNamed(form || document, name);
    if (inputs.length === 0 && form) inputs = inputsNamed(document, name);
    if (inputs.some(isUsed)) {
      el.classList.remove(NO_FEEDBACK);
    } else {
      el.classList.add(NO_FEEDBACK);
    }
  }

  function applyAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.hasAttribute && scope.hasAttribute("phx-feedback-for")) applyFeedback(scope);
    scope.querySelectorAll("[phx-feedback-for]").forEach(applyFeedback);
  }

  // The `dom` option: keeps the class across morphdom patches and recomputes it when a patch
  // ends. `dom` holds the app's own callbacks, which still run.
  function domCallbacks(dom) {
    dom = dom || {};
    return Object.assign({}, dom, {
      onBeforeElUpdated: function (from, to) {
        // The server never renders `phx-no-feedback`; keep it through the morph so a hidden
        // error does not flash visible before onPatchEnd decides again.
        if (from.classList && from.classList.contains(NO_FEEDBACK) && to.hasAttribute &&
            to.hasAttribute("phx-feedback-for")) {
          to.classList.add(NO_FEEDBACK);
        }
        if (dom.onBeforeElUpdated) dom.onBeforeElUpdated(from, to);
      },
      onNodeAdded: function (node) {
        if (node.nodeType === Node.ELEMENT_NODE) applyAll(node);
        if (dom.onNodeAdded) dom.onNodeAdded(node);
      },
      onPatchEnd: function (container) {
        // The whole document, not just the container: a patch of one view may follow an input
        // that a feedback container elsewhere waits for.
        applyAll(document);
        if (dom.onPatchEnd) dom.onPatchEnd(container);
      },
    });
  }

  function captureClick(liveSocket, e) {
    var target = e.target;
    if (!(target instanceof Element)) return;
    var el = target.closest("[phx-capture-click]");
    if (!el) return;
    var event = el.getAttribute("phx-capture-click");
    if (!event) return;
    liveSocket.execJS(el, JSON.stringify([["push", { event: event }]]), "click");
  }

  // The window's own focus and blur events (target === window) for phx-window-focus/blur.
  function windowFocus(liveSocket, type, e) {
    if (e.target !== window) return;
    document.querySelectorAll("[phx-window-" + type + "]").forEach(function (el) {
      var event = el.getAttribute("phx-window-" + type);
      if (event) liveSocket.execJS(el, JSON.stringify([["push", { event: event }]]), type);
    });
  }

  function install(liveSocket) {
    // `true`: the capture phase, before any handler on the way down can stop the click.
    window.addEventListener("click", function (e) { captureClick(liveSocket, e); }, true);
    window.addEventListener("focus", function (e) { windowFocus(liveSocket, "focus", e); });
    window.addEventListener("blur", function (e) { windowFocus(liveSocket, "blur", e); });

    document.addEventListener("focusout", function (e) {
      var input = e.target;
      if (input && input.name && input.form) {
        blurred.add(input);
        applyAll(input.form);
      }
    }, true);
    document.addEventListener("input", function (e) {
      // The change event pushed to the server marks the input used; the patch that answers
      // it recomputes. Re-applying here also covers inputs whose change is debounced.
      if (e.target && e.target.form) {
        window.setTimeout(function () { applyAll(e.target.form); }, 0);
      }
    }, true);
    document.addEventListener("submit", function (e) {
      // A submit marks every input used (the client's PHX_HAS_SUBMITTED), even when the
      // server's answer changes nothing and so no patch follows.
      var form = e.target;
      if (form && form.elements) {
        window.setTimeout(function () { applyAll(form); }, 0);
      }
    }, true);
    document.addEventListener("reset", function (e) {
      var form = e.target;
      if (form && form.elements) {
        Array.prototype.forEach.call(form.elements, function (input) { blurred.delete(input); });
        window.setTimeout(function () { applyAll(form); }, 0);
      }
    }, true);
    // Containers rendered before the socket connects (the static render).
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { applyAll(document); });
    } else {
      applyAll(document);
    }
  }

  window.LiveviewCompat = { domCallbacks: domCallbacks, install: install, applyFeedback: applyAll };
})();
