//! Regenerates the Rust code for `proto/plumb/v1/*.proto` with a pure-Rust
//! protobuf compiler (protox) and fails when it differs from the committed
//! `src/generated/`, so the committed code can never drift from the schema.
//! Nobody needs `protoc`: run `PLUMB_BLESS=1 cargo test -p plumb-proto
//! --test bootstrap` after editing a `.proto` file to refresh the code.

use std::fs;
use std::path::{Path, PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "plumb/v1/manifest.proto",
    "plumb/v1/agent.proto",
    "plumb/v1/query.proto",
];

fn generate(out: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let include = root.join("proto");
    let files: Vec<PathBuf> = PROTOS.iter().map(|p| include.join(p)).collect();
    let fds = protox::compile(&files, [&include]).expect("schema compiles");

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // Buffers sized for plumb's common message (proto/src/codec.rs).
        .codec_path("crate::codec::LeanCodec")
        .emit_rerun_if_changed(false)
        .out_dir(out)
        .compile_fds(fds.clone())
        .expect("tonic code generation");

    pbjson_build::Builder::new()
        .register_descriptors(&fds.encode_to_vec())
        .expect("descriptors register")
        .out_dir(out)
        .build(&[".plumb.v1"])
        .expect("pbjson code generation");

    // The schema itself, for gRPC server reflection (grpcurl).
    fs::write(out.join(DESCRIPTORS), fds.encode_to_vec()).expect("descriptor set written");
}

const DESCRIPTORS: &str = "plumb.v1.descriptors.bin";

#[test]
fn generated_code_matches_the_schema() {
    let tmp = std::env::temp_dir().join(format!("plumb-proto-gen-{}", std::process::id()));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp).unwrap();
    generate(&tmp);

    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated");
    let bless = std::env::var_os("PLUMB_BLESS").is_some();
    let mut stale = Vec::new();
    for name in ["plumb.v1.rs", "plumb.v1.serde.rs", DESCRIPTORS] {
        let fresh = fs::read(tmp.join(name)).unwrap();
        let old = fs::read(committed.join(name)).unwrap_or_default();
        if fresh != old {
            if bless {
                fs::write(committed.join(name), &fresh).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    let _ = fs::remove_dir_all(&tmp);
    assert!(
        stale.is_empty(),
        "src/generated/{stale:?} is stale: run `PLUMB_BLESS=1 cargo test -p plumb-proto --test bootstrap`"
    );
}
