//! The one integration-test binary.

// Bad input and crashes reach no one else (issue #8).
mod faults;
// Any HTTP head gets a valid answer or a close (proptest).
mod head_proptest;
// Two nodes over Redis: broadcasts, failover, presence (issue #9).
mod multinode;
// Shared test client (Phoenix protocol over WebSocket and long-poll) and fake endpoints.
mod support;
// One-port server, WebSocket, long-poll, tiny_http adapter, conformance (issue #5).
mod transports;
