//! End-to-end tests live in `tests/`: they spawn the real `plumb-agent`,
//! `plumb-collector` and `plumbctl` binaries and talk to them over loopback.
