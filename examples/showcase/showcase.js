// The showcase's own JavaScript: phx-hook callbacks. Loaded before /assets/liveview/app.js,
// which passes `window.liveviewHooks` to the LiveSocket.
window.liveviewHooks = {
  // Shows each "echo" event the server pushes with push_event.
  Echo: {
    mounted() {
      this.handleEvent("echo", ({ text }) => {
        this.el.textContent = text;
      });
    },
  },
  // Sends "ping" with pushEvent and shows the server's reply.
  Ping: {
    mounted() {
      this.el.addEventListener("click", () => {
        const n = parseInt(this.el.dataset.n, 10);
        this.pushEvent("ping", { n }, (reply) => {
          document.getElementById("hook-reply").textContent = `pong ${reply.pong}`;
        });
      });
    },
  },
};
