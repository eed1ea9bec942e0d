//! plumb-agent: golden-image manifests, drift checks and the node daemon.
//!
//! Data flows one way, and the modules follow it: the scanners ([`scan`]:
//! files, packages, listeners, the running system) turn a root into
//! records, [`diff`] compares them with a [`manifest`] under a
//! [`policy`] ([`check`] runs one pass of both), and the result is printed
//! ([`report`]) or streamed to the collector by the [`daemon`]. No scanner
//! knows about the network.

#![deny(unsafe_code)]

pub mod atomic;
pub mod check;
pub mod client;
pub mod containers;
pub mod daemon;
pub mod diff;
pub mod execs;
#[cfg(any(test, feature = "test-support"))]
pub mod fixture;
#[doc(hidden)]
#[cfg(any(test, feature = "test-support"))]
pub mod fuzzing;
pub mod image;
#[cfg(any(test, feature = "test-support"))]
pub mod image_fixture;
pub mod manifest;
pub mod memory;
pub mod paths;
pub mod policy;
pub mod record;
pub mod report;
pub mod scan;
pub mod throttle;
