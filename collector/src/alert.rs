//! Alert sinks fed by lifecycle events.

use std::sync::Arc;

use crate::hub::Hub;
use crate::serve::ServeConfig;

/// Starts the configured sinks.
pub fn start(_hub: Arc<Hub>, _cfg: &ServeConfig, _stop: tokio::sync::watch::Receiver<bool>) {}
