//! Integration tests of the templates crate.

// Test helpers are not API; `handlebars_helper!` makes undocumented structs.
#![allow(missing_docs)]

// Shared registry, helpers and the splice check.
mod support;
// Compiled render == handlebars render, over a corpus and random data.
mod splice;
// Unchanged assigns give `None`; branch switches give whole trees.
mod tracking;
// LiveView helpers, layouts, errors, colocated templates.
mod liveview;
// Render → diff → merge → HTML, with core's diff engine and client merge.
mod roundtrip;
// Random templates: splice and round trip.
mod generated;
// `{{#each streams.x}}` renders a stream comprehension.
mod streams;
// `js_*` helpers.
mod js;
// Streams and JS helpers in real views, through the App and LiveViewTest.
mod live_features;
// Uploads: live_file_input, LiveViewTest::upload, consume on submit.
mod uploads;
