//! plumb-agent: golden-image manifests, drift checks and the node daemon.
//!
//! Data flows one way: the scanners ([`files`], [`packages`],
//! [`listeners`], [`runtime`]) turn a root into records, [`diff`] compares them with a
//! [`manifest`] under a [`policy`], and the result is printed ([`report`])
//! or streamed to the collector by the daemon. No scanner knows about the
//! network.

#![deny(unsafe_code)]

pub mod atomic;
pub mod beneath;
pub mod cache;
pub mod check;
pub mod client;
pub mod containers;
pub mod daemon;
pub mod diff;
pub mod execs;
pub mod files;
#[cfg(any(test, feature = "test-support"))]
pub mod fixture;
#[doc(hidden)]
#[cfg(any(test, feature = "test-support"))]
pub mod fuzzing;
pub mod hash;
pub mod image;
#[cfg(any(test, feature = "test-support"))]
pub mod image_fixture;
pub mod listeners;
pub mod manifest;
pub mod memory;
pub mod packages;
pub mod paths;
pub mod policy;
pub mod record;
pub mod report;
pub mod runtime;
pub mod throttle;
