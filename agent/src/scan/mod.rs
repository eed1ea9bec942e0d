//! The scanners: each turns part of a root, or of the live system, into
//! records, and none knows the manifest's verdict ([`crate::diff`] judges)
//! or the network. [`files`] walks the tree; [`hash`] hashes one file
//! safely and [`cache`] spares rehashing an unchanged one; [`beneath`]
//! opens a path under the root without leaving it; [`packages`] reads the
//! package databases; [`listeners`] the listening sockets; [`runtime`]
//! the running processes, kernel modules and logins.

pub mod beneath;
pub mod cache;
pub mod files;
pub mod hash;
pub mod listeners;
pub mod packages;
pub mod runtime;
