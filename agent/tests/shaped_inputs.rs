//! The shaped fuzz targets' committed inputs (rpm headers and apk
//! databases built from a short description, some naming gigabytes of
//! paths) replayed under the memory ceiling those targets set. A process
//! of their own: the ceiling is process-wide.

mod support;

#[test]
fn shaped_inputs_are_refused_under_the_ceiling_not_fatal() {
    let replayed = support::replay(plumb_agent::fuzzing::SHAPED_TARGETS);
    assert!(
        replayed >= 4,
        "only {replayed} shaped inputs found under agent/fuzz"
    );
}
