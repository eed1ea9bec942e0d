//! The gRPC services, one a file: the agent stream, the manifest
//! registry and enrollment (agents and the image pipeline), queries and
//! node actions (`plumbctl`, automation), administration. Every message
//! an agent sends is validated ([`validate`]) before it touches the store.

pub mod admin;
pub mod enroll;
pub mod query;
pub mod registry;
pub mod stream;
pub mod validate;
