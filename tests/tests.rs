//! The one integration-test binary.

mod multinode;
mod support;
mod transports;
