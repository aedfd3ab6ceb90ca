//! liveview-transports (work in progress)
