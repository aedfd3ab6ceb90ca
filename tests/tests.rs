//! The one integration-test binary.

mod faults;
mod head_proptest;
mod support;
mod transports;
