"""pyview versions of liveview's benchmark views (counter, 1,000-row table)."""
