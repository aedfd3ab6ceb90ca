//! liveview-templates (work in progress)
