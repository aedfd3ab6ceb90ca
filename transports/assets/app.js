// liveview bootstrap (new LiveSocket("/live", Phoenix.Socket, ...).connect()); real content comes from the showcase branch.
