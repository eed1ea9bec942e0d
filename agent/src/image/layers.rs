//! Applying an image's layers, bottom first, into the file list of the
//! root a container of it starts from — without writing a byte of it:
//! every entry becomes a [`FileRecord`] (content hashed as it streams by),
//! whiteouts and opaque directories remove what lower layers put there,
//! and hard links take the record of what they link to.
//!
//! Each layer is hostile input: its entries' paths are normalised inside
//! the root (a `..` is an error, never a path outside it), the bytes it
//! expands to are counted against a limit (a tar bomb stops with an error
//! naming the layer), and the records are charged to the memory ceiling.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use plumb_proto::v1::FileType;
use sha2::{Digest, Sha256};

use super::archive::{hex, LayerRef};
use super::ImageError;
use crate::record::FileRecord;

/// Files up to this size are read whole and hashed on another core while
/// the layer streams on; larger ones are hashed as they stream.
const PARALLEL_FILE: u64 = 4 << 20;
/// Bytes of small files waiting to be hashed at once.
const IN_FLIGHT: usize = 64 << 20;
/// Small files are handed to other cores this many bytes or files at once.
const BATCH_BYTES: usize = 1 << 20;
const BATCH_FILES: usize = 512;
/// Longest path in a layer.
const MAX_PATH: usize = 4096;

/// Where the package databases of an image live: their content is kept
/// as the layers stream by, to be read like a root's.
fn is_package_db(path: &[u8]) -> bool {
    path == b"/var/lib/dpkg/status"
        || (path.starts_with(b"/var/lib/dpkg/info/") && path.ends_with(b".list"))
        || path == b"/lib/apk/db/installed"
        || path.starts_with(b"/var/lib/rpm/")
        || path.starts_with(b"/usr/lib/sysimage/rpm/")
}

/// The image's root as the layers so far make it.
#[derive(Default)]
pub struct Tree {
    pub files: BTreeMap<Box<[u8]>, FileRecord>,
    /// Content of the package databases, by path.
    pub databases: HashMap<Box<[u8]>, Vec<u8>>,
    /// Uncompressed bytes read so far, across layers.
    pub expanded: u64,
    pub hashed_bytes: u64,
}

/// What one layer's tar says, before it is applied.
#[derive(Default)]
struct Layer {
    records: Vec<FileRecord>,
    /// Paths a whiteout removes (with everything below them).
    whiteouts: Vec<Vec<u8>>,
    /// Directories whose lower contents an opaque marker hides.
    opaque: Vec<Vec<u8>>,
    /// (link, target) hard links.
    links: Vec<(Vec<u8>, Vec<u8>)>,
    databases: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A reader that counts what passes through it and hands each chunk to
/// the thread that hashes the layer's stream, so the parser's core is not
/// also the one computing the diff id.
struct Counting<R> {
    inner: R,
    chunks: std::sync::mpsc::SyncSender<Vec<u8>>,
    read: u64,
    limit: u64,
    /// Bytes the tar parser may still read before the next entry: see
    /// [`MAX_ENTRY_METADATA`]; `u64::MAX` while a file's content is read.
    metadata_left: Arc<AtomicU64>,
}

/// Most bytes read between two entries of a layer: headers, GNU long
/// names and PAX records, which the tar parser reads into memory whole
/// (a long name of a gigabyte compresses to a megabyte), and the unread
/// data of entries that carry none (a whiteout with content).
const MAX_ENTRY_METADATA: u64 = 2 << 20;

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let left = self.metadata_left.load(Ordering::Relaxed);
        if left != u64::MAX {
            if n as u64 > left {
                return Err(io::Error::other(format!(
                    "more than {MAX_ENTRY_METADATA} bytes of tar headers, long names or PAX records before one entry"
                )));
            }
            self.metadata_left.store(left - n as u64, Ordering::Relaxed);
        }
        if self.read > self.limit {
            return Err(io::Error::other(format!(
                "expands past {} bytes, the image size limit (--max-image-size)",
                self.limit
            )));
        }
        if n > 0 {
            self.chunks
                .send(buf[..n].to_vec())
                .map_err(|_| io::Error::other("the layer's hashing thread ended"))?;
        }
        Ok(n)
    }
}

/// A layer blob as it is read, hashed for its digest on the way.
struct Digesting {
    inner: Box<dyn Read + Send>,
    sha: Option<Arc<Mutex<Sha256>>>,
}

impl Read for Digesting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(sha) = &self.sha {
            sha.lock()
                .unwrap_or_else(|e| e.into_inner())
                .update(&buf[..n]);
        }
        Ok(n)
    }
}

/// A layer's tar stream, decompressed as its first bytes say; the blob
/// reader is given back at the end to read what follows the stream.
enum Decoded {
    Gzip(flate2::read::MultiGzDecoder<BufReader<Digesting>>),
    Zstd(
        Box<
            ruzstd::decoding::StreamingDecoder<
                BufReader<Digesting>,
                ruzstd::decoding::FrameDecoder,
            >,
        >,
    ),
    Plain(BufReader<Digesting>),
}

impl Decoded {
    fn into_blob(self) -> BufReader<Digesting> {
        match self {
            Decoded::Gzip(d) => d.into_inner(),
            Decoded::Zstd(d) => d.into_inner(),
            Decoded::Plain(r) => r,
        }
    }
}

impl Read for Decoded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoded::Gzip(d) => d.read(buf),
            Decoded::Zstd(d) => d.read(buf),
            Decoded::Plain(r) => r.read(buf),
        }
    }
}

/// Chunks of a layer's stream waiting to be hashed (each up to
/// `STREAM_CHUNK` bytes).
const CHUNKS_IN_FLIGHT: usize = 16;
const STREAM_CHUNK: usize = 256 << 10;

impl Tree {
    /// Reads `layer` (gzip, zstd or plain tar, told apart by its first
    /// bytes), checks it against its diff id and applies it.
    pub fn apply(
        &mut self,
        reader: Box<dyn Read + Send>,
        layer: &LayerRef,
        limit: u64,
    ) -> Result<(), ImageError> {
        let bad = |what: String| ImageError::Layer {
            layer: layer.blob.clone(),
            cause: what,
        };
        // The blob itself must hash to the digest the image names it by:
        // hashed as it is read, trailing bytes after the compressed
        // stream included. A plain tar named by its diff id is checked by
        // the diff id alone (the same bytes).
        let blob_digest = Arc::new(Mutex::new(Sha256::new()));
        let mut buffered = BufReader::with_capacity(
            256 << 10,
            Digesting {
                inner: reader,
                sha: layer.digest.is_some().then(|| blob_digest.clone()),
            },
        );
        let magic = buffered
            .fill_buf()
            .map_err(|e| bad(format!("reading: {e}")))?
            .to_vec();
        let plain = if magic.starts_with(&[0x1f, 0x8b]) {
            Decoded::Gzip(flate2::read::MultiGzDecoder::new(buffered))
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Decoded::Zstd(Box::new(
                ruzstd::decoding::StreamingDecoder::new(buffered)
                    .map_err(|e| bad(format!("zstd: {e}")))?,
            ))
        } else {
            if layer.digest.as_deref() == Some(layer.diff_id.as_str()) {
                buffered.get_mut().sha = None;
            }
            Decoded::Plain(buffered)
        };
        let check_blob = match &plain {
            Decoded::Plain(r) if r.get_ref().sha.is_none() => None,
            _ => layer.digest.as_deref(),
        };
        let (chunks, stream) = std::sync::mpsc::sync_channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
        let metadata_left = Arc::new(AtomicU64::new(MAX_ENTRY_METADATA));
        let (parsed, read, diff_id) = std::thread::scope(|s| {
            let hasher = s.spawn(move || {
                let mut sha = Sha256::new();
                for chunk in stream {
                    sha.update(&chunk);
                }
                format!("sha256:{}", hex(&sha.finalize()))
            });
            let mut counting = Counting {
                inner: plain,
                chunks,
                read: 0,
                limit: limit.saturating_sub(self.expanded),
                metadata_left: metadata_left.clone(),
            };
            // Whole chunks for the hasher, whatever the tar reads at a time.
            let mut input = BufReader::with_capacity(STREAM_CHUNK, &mut counting);
            let parsed = read_layer(&mut input, &metadata_left)
                .map_err(bad)
                .and_then(|parsed| {
                    metadata_left.store(u64::MAX, Ordering::Relaxed);
                    // Whatever follows the tar's end marker is part of the layer too.
                    io::copy(&mut input, &mut io::sink())
                        .map_err(|e| bad(format!("reading: {e}")))?;
                    Ok(parsed)
                });
            drop(input);
            let read = counting.read;
            let Counting { inner, chunks, .. } = counting;
            drop(chunks);
            // And whatever follows the compressed stream is part of the blob.
            let drained = match parsed {
                Ok(_) => io::copy(&mut inner.into_blob(), &mut io::sink())
                    .map(|_| ())
                    .map_err(|e| bad(format!("reading: {e}"))),
                Err(_) => Ok(()),
            };
            let parsed = parsed.and_then(|p| drained.map(|()| p));
            let diff_id = hasher
                .join()
                .map_err(|_| bad("the thread hashing it failed".into()));
            (parsed, read, diff_id)
        });
        let (parsed, diff_id) = (parsed?, diff_id?);
        if let Some(want) = check_blob {
            let sha = std::mem::take(&mut *blob_digest.lock().unwrap_or_else(|e| e.into_inner()));
            let got = format!("sha256:{}", hex(&sha.finalize()));
            if got != want {
                return Err(bad(format!(
                    "the blob hashes to {got}, not to the {want} the image manifest names it by: the archive is corrupt or was altered"
                )));
            }
        }
        if diff_id != layer.diff_id {
            return Err(bad(format!(
                "uncompressed, it hashes to {diff_id}, not to the {} the image config names: the archive is corrupt or was altered",
                layer.diff_id
            )));
        }
        self.expanded += read;
        self.merge(parsed).map_err(bad)
    }

    fn merge(&mut self, layer: Layer) -> Result<(), String> {
        // Whiteouts and opaque markers hide what lower layers have; this
        // layer's own entries are added after them.
        for path in &layer.whiteouts {
            self.remove_tree(path, true);
        }
        for dir in &layer.opaque {
            self.remove_tree(dir, false);
        }
        crate::memory::reserve(
            "image files",
            layer.records.len() * (std::mem::size_of::<FileRecord>() + 64),
        )
        .map_err(|e| e.to_string())?;
        let mut records = layer.records;
        if self.files.is_empty() {
            // The bottom layer: sorted once and built in bulk, unless a
            // path comes twice (then entry by entry, the later one winning).
            let mut paths: Vec<&[u8]> = records.iter().map(|r| &*r.path).collect();
            paths.sort_unstable();
            if paths.windows(2).all(|w| w[0] != w[1]) {
                self.hashed_bytes += records
                    .iter()
                    .map(|r| r.size * u64::from(r.sha256.is_some()))
                    .sum::<u64>();
                self.files = records.drain(..).map(|r| (r.path.clone(), r)).collect();
                crate::memory::check(format_args!("{} image files", self.files.len()))
                    .map_err(|e| e.to_string())?;
            }
        }
        for record in records {
            self.hashed_bytes += record.size * u64::from(record.sha256.is_some());
            let replaces_dir = self
                .files
                .get(&record.path)
                .is_some_and(|old| old.file_type == FileType::Directory);
            if replaces_dir && record.file_type != FileType::Directory {
                let path = record.path.to_vec();
                self.remove_tree(&path, true);
            }
            self.databases.remove(&record.path);
            self.files.insert(record.path.clone(), record);
            if self.files.len() % 4096 == 0 {
                crate::memory::check(format_args!("{} image files", self.files.len()))
                    .map_err(|e| e.to_string())?;
            }
        }
        for (path, content) in layer.databases {
            crate::memory::reserve("image package databases", content.len())
                .map_err(|e| e.to_string())?;
            self.databases.insert(path.into_boxed_slice(), content);
        }
        for (link, target) in layer.links {
            let Some(to) = self.files.get(&*target) else {
                return Err(format!(
                    "{} is a hard link to {}, which no layer so far has",
                    String::from_utf8_lossy(&link),
                    String::from_utf8_lossy(&target)
                ));
            };
            if to.file_type == FileType::Directory {
                return Err(format!(
                    "{} is a hard link to the directory {}",
                    String::from_utf8_lossy(&link),
                    String::from_utf8_lossy(&target)
                ));
            }
            let mut record = to.clone();
            record.path = link.clone().into_boxed_slice();
            if let Some(content) = self.databases.get(&*target) {
                // A copy like any other allocation the input decides.
                crate::memory::reserve(
                    format_args!(
                        "{} (a hard link to the package database {})",
                        show(&link),
                        show(&target)
                    ),
                    content.len(),
                )
                .map_err(|e| e.to_string())?;
                let content = content.clone();
                self.databases.insert(link.into_boxed_slice(), content);
            }
            self.files.insert(record.path.clone(), record);
        }
        Ok(())
    }

    /// Removes `path` (when `itself`) and everything below it.
    fn remove_tree(&mut self, path: &[u8], itself: bool) {
        if itself {
            self.files.remove(path);
            self.databases.remove(path);
        }
        let mut prefix = path.to_vec();
        if prefix != b"/" {
            prefix.push(b'/');
        }
        let below: Vec<Box<[u8]>> = self
            .files
            .range::<[u8], _>((
                std::ops::Bound::Included(&prefix[..]),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in below {
            self.databases.remove(&k);
            self.files.remove(&k);
        }
    }

    /// Directories no layer listed but that hold files: the runtime
    /// creates them (0755, root), and so does the manifest.
    pub fn add_implicit_parents(&mut self) {
        let mut missing: Vec<Box<[u8]>> = vec![b"/"[..].into()];
        for path in self.files.keys() {
            let mut p: &[u8] = path;
            while let Some(i) = p.iter().rposition(|&b| b == b'/') {
                p = &p[..i];
                if p.is_empty() || self.files.contains_key(p) {
                    break;
                }
                missing.push(p.into());
            }
        }
        for path in missing {
            let mut dir = FileRecord::new(path.to_vec(), FileType::Directory);
            dir.mode = 0o755;
            self.files.entry(path).or_insert(dir);
        }
    }
}

/// The path an entry names, as a manifest path (`/a/b`, `/` for the root).
/// `..` is refused, never resolved.
fn normalise(raw: &[u8]) -> Result<Vec<u8>, String> {
    if raw.len() > MAX_PATH {
        return Err(format!(
            "a path of {} bytes, more than {MAX_PATH}",
            raw.len()
        ));
    }
    let mut out = Vec::with_capacity(raw.len() + 1);
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                return Err(format!(
                    "entry {:?} climbs out of the root",
                    String::from_utf8_lossy(raw)
                ))
            }
            p => {
                out.push(b'/');
                out.extend_from_slice(p);
            }
        }
    }
    if out.is_empty() {
        out.push(b'/');
    }
    Ok(out)
}

fn split_name(path: &[u8]) -> (&[u8], &[u8]) {
    let i = path.iter().rposition(|&b| b == b'/').unwrap_or(0);
    let parent = if i == 0 { &b"/"[..] } else { &path[..i] };
    (parent, &path[i + 1..])
}

fn join(parent: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = parent.to_vec();
    if p != b"/" {
        p.push(b'/');
    } else {
        p.clear();
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// Parses one layer's tar: records with content hashed (small files on
/// other cores), whiteouts, opaque markers and hard links.
fn read_layer(input: &mut (dyn Read + Send), metadata_left: &AtomicU64) -> Result<Layer, String> {
    let mut layer = Layer::default();
    let digests: Mutex<Vec<(usize, [u8; 32])>> = Mutex::new(Vec::new());
    let in_flight = AtomicUsize::new(0);
    let result = rayon::scope(|scope| -> Result<(), String> {
        // Small files are hashed on other cores in batches: one task per
        // file of a few hundred bytes would cost more than its hash.
        let (digests, in_flight) = (&digests, &in_flight);
        let spawn_batch = |batch: Vec<(usize, Vec<u8>)>| {
            let bytes: usize = batch.iter().map(|(_, c)| c.len()).sum();
            in_flight.fetch_add(bytes, Ordering::Relaxed);
            scope.spawn(move |_| {
                let done: Vec<(usize, [u8; 32])> = batch
                    .iter()
                    .map(|(i, c)| (*i, crate::scan::hash::sha256(c)))
                    .collect();
                in_flight.fetch_sub(bytes, Ordering::Relaxed);
                digests.lock().expect("digest list").extend(done);
            });
        };
        let mut batch: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut batch_bytes = 0usize;
        let mut tar = tar::Archive::new(input);
        let entries = tar.entries().map_err(|e| format!("not a tar: {e}"))?;
        // Between two entries only so much may be read (the parser's own
        // reads: headers, long names, PAX records); a file's content is
        // read as it streams, unbounded here (the image size bounds it).
        let metadata =
            || metadata_left.store(MAX_ENTRY_METADATA + STREAM_CHUNK as u64, Ordering::Relaxed);
        metadata();
        for entry in entries {
            let mut entry = entry.map_err(|e| format!("tar entry {}: {e}", layer.records.len()))?;
            // What is read from here to the next entry is bounded again.
            metadata();
            let raw = entry.path_bytes().into_owned();
            let path = normalise(&raw)?;
            let (parent, name) = split_name(&path);
            if name == b".wh..wh..opq" {
                layer.opaque.push(parent.to_vec());
                continue;
            }
            if let Some(hidden) = name.strip_prefix(b".wh.") {
                layer.whiteouts.push(join(parent, hidden));
                continue;
            }
            let header = entry.header();
            let kind = header.entry_type();
            let file_type = match kind {
                tar::EntryType::Regular | tar::EntryType::Continuous => FileType::Regular,
                tar::EntryType::Directory => FileType::Directory,
                tar::EntryType::Symlink => FileType::Symlink,
                tar::EntryType::Char => FileType::CharDevice,
                tar::EntryType::Block => FileType::BlockDevice,
                tar::EntryType::Fifo => FileType::Fifo,
                tar::EntryType::Link => {
                    let target = entry
                        .link_name_bytes()
                        .ok_or_else(|| format!("hard link {} has no target", show(&path)))?;
                    let target = normalise(&target)?;
                    layer.links.push((path, target));
                    continue;
                }
                other => {
                    return Err(format!(
                        "{}: unsupported tar entry type {:?}",
                        show(&path),
                        other
                    ))
                }
            };
            let id = |v: io::Result<u64>, what: &str| -> Result<u32, String> {
                v.ok()
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(|| format!("{}: bad {what} in the tar header", show(&path)))
            };
            let mut record = FileRecord::new(path.clone(), file_type);
            record.mode = id(header.mode().map(u64::from), "mode")? & 0o7777;
            record.uid = id(header.uid(), "uid")?;
            record.gid = id(header.gid(), "gid")?;
            match file_type {
                FileType::Symlink => {
                    let target = entry
                        .link_name_bytes()
                        .ok_or_else(|| format!("symlink {} has no target", show(&path)))?;
                    record.size = target.len() as u64;
                    record.link_target = Some(target.into_owned().into_boxed_slice());
                }
                FileType::CharDevice | FileType::BlockDevice => {
                    let major = header.device_major().ok().flatten().unwrap_or(0);
                    let minor = header.device_minor().ok().flatten().unwrap_or(0);
                    record.rdev = libc::makedev(major, minor);
                }
                FileType::Regular => {
                    metadata_left.store(u64::MAX, Ordering::Relaxed);
                    let size = entry.size();
                    let keep = is_package_db(&path);
                    if keep || size <= PARALLEL_FILE {
                        // The size is the tar header's word: charged to
                        // the memory ceiling before it is allocated, and
                        // no more than it is read.
                        if keep {
                            crate::memory::reserve(
                                format_args!("{} (a package database in the image)", show(&path)),
                                usize::try_from(size).unwrap_or(usize::MAX),
                            )
                            .map_err(|e| e.to_string())?;
                        }
                        let mut content = Vec::with_capacity(size as usize);
                        (&mut entry)
                            .take(size)
                            .read_to_end(&mut content)
                            .map_err(|e| format!("{}: reading: {e}", show(&path)))?;
                        record.size = content.len() as u64;
                        if keep {
                            record.sha256 = Some(crate::scan::hash::sha256(&content));
                            layer.databases.push((path, content));
                        } else if in_flight.load(Ordering::Relaxed) > IN_FLIGHT {
                            record.sha256 = Some(crate::scan::hash::sha256(&content));
                        } else {
                            batch_bytes += content.len();
                            batch.push((layer.records.len(), content));
                            if batch_bytes >= BATCH_BYTES || batch.len() >= BATCH_FILES {
                                spawn_batch(std::mem::take(&mut batch));
                                batch_bytes = 0;
                            }
                        }
                    } else {
                        let mut sha = Sha256::new();
                        let mut buf = vec![0u8; 256 << 10];
                        let mut total = 0u64;
                        loop {
                            let n = entry
                                .read(&mut buf)
                                .map_err(|e| format!("{}: reading: {e}", show(&path)))?;
                            if n == 0 {
                                break;
                            }
                            sha.update(&buf[..n]);
                            total += n as u64;
                        }
                        record.size = total;
                        record.sha256 = Some(sha.finalize().into());
                    }
                    metadata();
                }
                _ => {}
            }
            reserve_one(&mut layer.records, "layer entries")?;
            layer.records.push(record);
        }
        if !batch.is_empty() {
            spawn_batch(batch);
        }
        Ok(())
    });
    result?;
    for (index, digest) in digests.into_inner().expect("digest list") {
        layer.records[index].sha256 = Some(digest);
    }
    Ok(layer)
}

/// Checks with the memory ceiling before `v` grows: a vector doubles at
/// once, past any check made entry by entry.
fn reserve_one<T>(v: &mut Vec<T>, what: &str) -> Result<(), String> {
    if v.len() == v.capacity() {
        let more = v.capacity().max(64);
        crate::memory::reserve(
            format_args!("{} {what}", v.len()),
            more * std::mem::size_of::<T>() * 2,
        )
        .map_err(|e| e.to_string())?;
        v.reserve_exact(more);
    }
    Ok(())
}

fn show(path: &[u8]) -> String {
    String::from_utf8_lossy(path).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_inside_the_root() {
        assert_eq!(normalise(b"./usr/bin/ls").unwrap(), b"/usr/bin/ls");
        assert_eq!(normalise(b"/etc//passwd").unwrap(), b"/etc/passwd");
        assert_eq!(normalise(b"./").unwrap(), b"/");
        assert!(normalise(b"a/../../etc/shadow").is_err());
        assert!(normalise(&vec![b'a'; MAX_PATH + 1]).is_err());
    }

    #[test]
    fn whiteout_names_split_into_parent_and_name() {
        assert_eq!(split_name(b"/a/.wh.b"), (&b"/a"[..], &b".wh.b"[..]));
        assert_eq!(split_name(b"/.wh.b"), (&b"/"[..], &b".wh.b"[..]));
        assert_eq!(join(b"/", b"x"), b"/x");
        assert_eq!(join(b"/a", b"x"), b"/a/x");
    }
}
