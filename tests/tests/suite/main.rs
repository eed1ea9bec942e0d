//! plumb's end-to-end tests: the real binaries (collector, agent,
//! plumbctl) over loopback, a real SQLite file and PostgreSQL server, a
//! real Alertmanager, headless Chromium. One test binary, a module per
//! area, sharing `support`.

mod support;

mod access;
mod alerts;
mod bad_input;
mod containers;
mod dashboard;
mod debian_root;
mod e2e;
mod execs;
mod held;
mod inventory;
mod latency;
mod lean;
mod liveness;
mod packaging;
mod plumbctl;
mod readme;
mod replicas;
mod shape;
mod storm;
mod trust;
