//! The store: the only module that speaks SQL. One code path for the
//! embedded SQLite database and for PostgreSQL, through sqlx's `Any`
//! driver; queries use `$N` placeholders and SQL both understand.

mod advisories;
mod audit;
mod batches;
mod containers;
mod db;
mod deviations;
mod due;
mod enrollment;
mod families;
mod images;
mod keys;
mod lifecycle;
mod nodes;
mod outbox;
mod packages;
mod replicas;
mod retention;
#[cfg(any(test, feature = "test-support"))]
pub mod scratch;
mod snapshot;
mod tokens;

pub use advisories::{AdvisorySummary, Exposure, Imported};
pub use audit::{AuditEntry, Caller, Outcome};
pub use batches::{BatchJob, BatchOutcome};
pub use containers::{ContainerFilter, MAX_CONTAINERS_LISTED};
pub use db::{
    redact, Backend, Store, StoreError, MAX_OPEN_PER_NODE, POSTGRES_CONNECTIONS, RETENTION_MS,
};
pub use deviations::{finding, DeviationCursor};
pub use due::DueRow;
pub use enrollment::EnrollRefusal;
pub use families::{
    family_of, Family, FamilyImage, RolloutPoint, FAMILY_LABELS, ROLLOUT_BUCKET_MS,
};
pub use images::PushOutcome;
pub use lifecycle::{FlagCursor, FlagPage, FollowedTransition, Hold, StatusChange};
pub use nodes::{Greeting, HelloInfo, NodeCursor, NodeFilter, NodeSort, Touched};
pub use outbox::OutboxItem;
pub use packages::{package_query, ImageKind, ImagePackage, VersionFilter, MAX_PACKAGE_ROWS};
pub use retention::{Pruned, PARTITION_MS};
pub use snapshot::ImageStatusCounts;
pub use tokens::{SessionRow, TokenInfo, TokenRow};

#[cfg(test)]
pub(crate) mod tests;
