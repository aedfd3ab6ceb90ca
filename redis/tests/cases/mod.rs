mod presence;
mod pubsub;
pub mod support;
