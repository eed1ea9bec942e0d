//! End-to-end tests live in `tests/`: they spawn the real `plumb-agent`,
//! `plumb-collector` and `plumbctl` binaries and talk to them over loopback.
//!
//! The library holds what the benchmarks share with those tests: a lean
//! simulated agent ([`lean`]) light enough to play 100,000 nodes.

pub mod lean;
