//! Views, assigns, rendered trees, the diff engine, signed sessions and the view runtime of
//! [liveview](https://docs.rs/liveview): Phoenix LiveView for Rust, without an async runtime.
//!
//! # Brief overview
//! - [`LiveView`] / [`LiveComponent`]: the callbacks a view implements; [`Socket`]: assigns and
//!   everything a callback can ask for.
//! - [`Rendered`]: the tree a template render produces (statics, dynamics, fingerprints).
//! - [`Assigns`]: the values a template reads, with change tracking.
//! - [`Transport`]: the seam to the transports, which own all network IO.
//!
//! # The core does no network IO
//! Transports (crate `liveview-transports`) read bytes, decode Phoenix frames and hand them to
//! a connection; views run on their own threads and write diffs back through the transport.

mod app;
mod assigns;
mod async_ops;
mod children;
mod component;
mod connection;
pub mod diff;
pub mod flash;
pub mod form;
pub mod html;
mod http;
pub mod js;
pub mod merge;
mod mounted;
mod on_mount;
pub mod protocol;
mod pubsub;
mod registry;
mod rendered;
pub mod router;
mod runtime;
pub mod session;
mod socket;
mod static_render;
mod stream;
#[cfg(feature = "testing")]
pub mod testing;
pub mod token;
mod transport;
pub mod upload;
mod view;
pub mod wire;

pub use app::{App, AppBuilder, AppConfig, BuildError, LiveSession};
pub use assigns::Assigns;
pub use async_ops::{ASYNC_STACK_SIZE, AsyncFn, AsyncKind, AsyncTask};
pub use connection::{Connection, ConnectionLimits};
pub use http::{HttpRequest, HttpResponse};
pub use mounted::{
    Crash, JoinReply, LIVEVIEW_VERSION, MountArgs, MountConnection, MountedView, Out,
};
pub use on_mount::{OnMount, OnMountHook};
pub use pubsub::{DELIVERY_WAIT, DeliveryError, LocalPubSub, PubSub, Subscriber, SubscriberId};
pub use registry::{ComponentDef, ViewDef};
pub use rendered::{
    ChildCall, Cid, ComponentCall, Comprehension, Dynamic, Fingerprint, Rendered, Statics,
    StreamInsert, StreamOps,
};
pub use runtime::{
    CallError, JoinRequest, RouteResolver, Runtime, RuntimeConfig, SpawnError, StaticError,
    StaticRender, StaticRequest, ViewHandle, ViewInput,
};
pub use socket::{Command, ConnectInfo, Navigation, Socket};
pub use stream::{DomIdFn, STREAM_MARKER, STREAMS_ASSIGN, StreamOpts, stream_of};
pub use transport::{ClientConnection, ConnectError, Endpoint, Transport, TransportError};
pub use view::{
    Broadcast, LiveComponent, LiveView, Message, MountParams, Params, RenderError, Session,
    Template, TerminateReason, ViewError, ViewOptions, ViewResult, decode_params,
};
