#![no_main]
//! Whatever bytes an agent sends, decoding and validation answer without
//! panicking, and what validation accepts is within the documented
//! limits.

use plumb_proto::v1::{agent_message::Body, AgentMessage};
use prost::Message;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(message) = AgentMessage::decode(data) else {
        return;
    };
    if plumb_collector::grpc::validate::validate_message(&message).is_err() {
        return;
    }
    match &message.body {
        Some(Body::Hello(h)) => {
            assert!(!h.node_id.is_empty() && h.node_id.len() <= plumb_proto::MAX_ID_BYTES);
            assert!(!h.node_id.chars().any(char::is_control));
            assert!(!h.image_id.is_empty());
        }
        Some(Body::Batch(b)) => {
            assert!(message.seq > 0);
            assert!(b.added.len() <= plumb_proto::MAX_BATCH_DEVIATIONS);
            for d in &b.added {
                // Any kind of the schema an agent may send: not
                // unspecified, not the collector's own `integrity`.
                let kind = plumb_proto::v1::DeviationKind::try_from(d.kind);
                assert!(
                    matches!(kind, Ok(k) if k != plumb_proto::v1::DeviationKind::Unspecified
                        && k != plumb_proto::v1::DeviationKind::Integrity),
                    "kind {}",
                    d.kind
                );
                assert!(!d.key.is_empty() && d.key.len() <= plumb_proto::MAX_KEY_BYTES);
                assert!(d.actual.len() <= plumb_proto::MAX_STATE_BYTES);
            }
        }
        _ => {}
    }
});
