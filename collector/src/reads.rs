//! The read side: everything the REST API, the dashboard, the gRPC query
//! service and `/metrics` ask of the database, through one type. They
//! never reach the store itself (the shape test holds them to it): what
//! they may read is listed here, every read of theirs can be found here,
//! and this is the one seam where reads could be served elsewhere (a
//! streaming replica, a cache) without touching them.
//!
//! Writes stay with the hub's services (ingest, judge, agents), actions
//! and housekeeping.

use crate::model::{
    Container, ContainerImage, Correlation, Image, Node, NodeDetail, NodeStatus, StoredDeviation,
};
use crate::posture::{DueImage, PostureRules};
use crate::store::{
    AdvisorySummary, AuditEntry, ContainerFilter, DeviationCursor, DueRow, Exposure, Family,
    FlagCursor, FlagPage, ImagePackage, NodeFilter, RolloutPoint, Store, StoreError, VersionFilter,
};

/// What the read-only surfaces may ask (see the module documentation).
#[derive(Clone)]
pub struct Reads {
    store: Store,
}

/// Each read, passed to the store as it is.
macro_rules! reads {
    ($($(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        impl Reads {
            $(
                $(#[$doc])*
                pub async fn $name(&self $(, $arg: $ty)*) -> Result<$ret, StoreError> {
                    self.store.$name($($arg),*).await
                }
            )*
        }
    };
}

reads! {
    /// Nodes matching a filter, one page of them, and the total count.
    fn nodes(&self, filter: &NodeFilter) -> (Vec<Node>, i64);
    /// One node.
    fn node(&self, node_id: &str) -> Option<Node>;
    /// A node with its open deviations, up to `history` resolved ones,
    /// its transitions and its containers.
    fn node_detail(&self, node_id: &str, history: i64) -> Option<NodeDetail>;
    /// A node's deviations (open: `Some(true)`, resolved: `Some(false)`,
    /// all: `None`), one page after `after`, and the next page's cursor.
    fn deviations_page(
        &self,
        node_id: &str,
        open: Option<bool>,
        limit: i64,
        after: Option<DeviationCursor>
    ) -> (Vec<StoredDeviation>, Option<DeviationCursor>);
    /// The audit log, newest first, of one target or all.
    fn audit(&self, target: Option<&str>, limit: i64) -> Vec<AuditEntry>;
    /// The flag queue, one page after `cursor`.
    fn flag_queue(&self, cursor: Option<&FlagCursor>, limit: i64) -> FlagPage;
    /// Machine images with their nodes per status.
    fn images(&self) -> Vec<Image>;
    /// An image's labels.
    fn image_labels(&self, image_id: &str) -> Vec<(String, String)>;
    /// Image families and their rollout.
    fn families(&self) -> Vec<Family>;
    /// Advisories by exposure.
    fn advisories(&self) -> Vec<AdvisorySummary>;
    /// Exposure per image, of one advisory or image or all.
    fn exposure(&self, advisory: Option<&str>, image: Option<&str>) -> Vec<Exposure>;
    /// The images that carry a package, with the nodes and containers
    /// running each.
    fn packages(&self, name: &str, filter: &VersionFilter) -> Vec<ImagePackage>;
    /// Containers matching a filter.
    fn containers(&self, filter: &ContainerFilter) -> Vec<Container>;
    /// Container images with their containers per state.
    fn container_images(&self) -> Vec<ContainerImage>;
    /// The same drift on many nodes, grouped.
    fn correlations(&self, image_id: Option<&str>, limit: i64) -> Vec<Correlation>;
    /// Nodes per status.
    fn status_counts(&self) -> Vec<(NodeStatus, i64)>;
    /// Nodes per image and status.
    fn image_status_counts(&self) -> Vec<(String, NodeStatus, i64)>;
    /// Open deviations of live nodes per severity.
    fn open_by_severity(&self) -> Vec<(String, i64)>;
    /// Deviations first seen and flags raised per bucket since `since`.
    fn timeline(&self, since: i64, bucket_ms: i64) -> Vec<(i64, i64, i64)>;
    /// Alerts not yet delivered.
    fn outbox_pending(&self) -> i64;
    /// The images due for replacement, as last judged (every minute).
    fn due_images(&self) -> Vec<DueRow>;
    /// A family's rollout from `since`, one point per ten minutes.
    fn rollout(&self, family: &str, since: i64) -> Vec<RolloutPoint>;
}

impl Reads {
    pub fn new(store: Store) -> Reads {
        Reads { store }
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        self.store.ping().await
    }

    /// The images whose nodes and containers are due for replacement
    /// under the posture rules, at `now`.
    pub async fn due(&self, rules: &PostureRules, now: i64) -> Result<Vec<DueImage>, StoreError> {
        crate::posture::due(&self.store, rules, now).await
    }
}
