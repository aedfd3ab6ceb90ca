//! The one integration-test binary.

mod multinode;
