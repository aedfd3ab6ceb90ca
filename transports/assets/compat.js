// liveview compat script (phx-capture-click, phx-feedback-for); real content comes from the showcase branch.
