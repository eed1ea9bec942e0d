//! A read-only reader of Bolt database files (containerd's `meta.db`),
//! safe against a hostile or half-written file.
//!
//! containerd holds an exclusive lock on its database while it runs, and
//! the Bolt ports lock, map the file and trust its pages; this reader
//! takes a copy of the bytes (bounded by the caller), picks the newest
//! meta page whose checksum holds, and follows page ids only within the
//! copy, each page visited once per lookup: a broken or looping file is
//! an error, never a panic or an endless walk.
//!
//! Format (little-endian): every page starts with a 16-byte header (id
//! u64, flags u16, count u16, overflow u32). Pages 0 and 1 are metas
//! (magic, version, page size, flags, root bucket, freelist, high-water
//! page id, txid, FNV-1a checksum). Branch elements are (pos u32, ksize
//! u32, pgid u64), leaf elements (flags u32, pos u32, ksize u32, vsize
//! u32), `pos` counted from the element itself. A leaf value flagged as a
//! bucket is a bucket header (root pgid u64, sequence u64); root 0 means
//! the bucket's page follows the header inline.

use std::collections::HashSet;

const MAGIC: u32 = 0xED0C_DAED;
const VERSION: u32 = 2;
const HEADER: usize = 16;
const BRANCH: u16 = 0x01;
const LEAF: u16 = 0x02;
const BUCKET_LEAF: u32 = 0x01;
/// Deepest tree followed (a Bolt tree of a few GB is under 10 deep).
const MAX_DEPTH: usize = 64;

/// A Bolt file's bytes and the root bucket of its newest valid meta.
pub struct Bolt {
    data: Vec<u8>,
    page_size: usize,
    root: u64,
}

/// Where a bucket's tree lives: a page of the file, or inline bytes.
#[derive(Clone, Copy)]
enum Tree<'a> {
    Page(u64),
    Inline(&'a [u8]),
}

/// A bucket of the database.
#[derive(Clone, Copy)]
pub struct Bucket<'a> {
    db: &'a Bolt,
    tree: Tree<'a>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The meta at `offset`, when its magic, version and checksum hold:
/// (page size, root bucket page, txid).
fn meta(data: &[u8], offset: usize) -> Option<(usize, u64, u64)> {
    let m = data.get(offset + HEADER..offset + HEADER + 64)?;
    let checksum = u64_at(m, 56)?;
    if u32_at(m, 0)? != MAGIC || u32_at(m, 4)? != VERSION || fnv1a64(&m[..56]) != checksum {
        return None;
    }
    let page_size = u32_at(m, 8)? as usize;
    if !(512..=1 << 20).contains(&page_size) || !page_size.is_power_of_two() {
        return None;
    }
    Some((page_size, u64_at(m, 16)?, u64_at(m, 48)?))
}

/// One element of a page: its key and, for a leaf, flags and value; for
/// a branch, the child page.
struct Element<'a> {
    key: &'a [u8],
    value: &'a [u8],
    flags: u32,
    child: u64,
}

impl Bolt {
    /// Parses `data`, a whole Bolt file.
    pub fn new(data: Vec<u8>) -> Result<Bolt, String> {
        let first = meta(&data, 0);
        // The second meta sits one page in; the first names the page size,
        // and when it is torn, the usual sizes are tried.
        let second = [first.map(|m| m.0), Some(4096), Some(16384), Some(65536)]
            .into_iter()
            .flatten()
            .find_map(|size| meta(&data, size));
        let (page_size, root, _) = match (first, second) {
            (Some(a), Some(b)) => {
                if b.2 > a.2 {
                    b
                } else {
                    a
                }
            }
            (Some(m), None) | (None, Some(m)) => m,
            (None, None) => return Err("not a Bolt database (no valid meta page)".into()),
        };
        Ok(Bolt {
            data,
            page_size,
            root,
        })
    }

    /// The root bucket.
    pub fn root(&self) -> Bucket<'_> {
        Bucket {
            db: self,
            tree: Tree::Page(self.root),
        }
    }

    /// The bytes of page `id` (with its overflow pages).
    fn page(&self, id: u64) -> Result<&[u8], String> {
        let start = usize::try_from(id)
            .ok()
            .and_then(|id| id.checked_mul(self.page_size))
            .filter(|&s| s + HEADER <= self.data.len())
            .ok_or_else(|| format!("page {id} lies past the end of the file"))?;
        let overflow = u32_at(&self.data, start + 12).unwrap_or(0) as usize;
        let len = (overflow + 1)
            .checked_mul(self.page_size)
            .ok_or_else(|| format!("page {id}: overflow {overflow} out of range"))?;
        let end = (start + len).min(self.data.len());
        Ok(&self.data[start..end])
    }
}

/// The elements of the page in `bytes` (a page header first).
fn elements(bytes: &[u8]) -> Result<(u16, Vec<Element<'_>>), String> {
    let flags = u16_at(bytes, 8).ok_or("truncated page header")?;
    let count = u16_at(bytes, 10).ok_or("truncated page header")? as usize;
    let mut out = Vec::with_capacity(count.min(bytes.len() / 16));
    for i in 0..count {
        let at = HEADER + i * 16;
        let bad = || format!("element {i} of a page lies outside it");
        match flags {
            BRANCH => {
                let pos = u32_at(bytes, at).ok_or_else(bad)? as usize;
                let ksize = u32_at(bytes, at + 4).ok_or_else(bad)? as usize;
                let child = u64_at(bytes, at + 8).ok_or_else(bad)?;
                let key = bytes.get(at + pos..at + pos + ksize).ok_or_else(bad)?;
                out.push(Element {
                    key,
                    value: &[],
                    flags: 0,
                    child,
                });
            }
            LEAF => {
                let eflags = u32_at(bytes, at).ok_or_else(bad)?;
                let pos = u32_at(bytes, at + 4).ok_or_else(bad)? as usize;
                let ksize = u32_at(bytes, at + 8).ok_or_else(bad)? as usize;
                let vsize = u32_at(bytes, at + 12).ok_or_else(bad)? as usize;
                let k = at + pos;
                let key = bytes.get(k..k + ksize).ok_or_else(bad)?;
                let value = bytes.get(k + ksize..k + ksize + vsize).ok_or_else(bad)?;
                out.push(Element {
                    key,
                    value,
                    flags: eflags,
                    child: 0,
                });
            }
            other => return Err(format!("a tree page has flags {other:#x}")),
        }
    }
    Ok((flags, out))
}

impl<'a> Bucket<'a> {
    /// The leaf element under `key`, if any.
    fn find(&self, key: &[u8]) -> Result<Option<(u32, &'a [u8])>, String> {
        let mut bytes = match self.tree {
            Tree::Inline(b) => b,
            Tree::Page(id) => self.db.page(id)?,
        };
        let mut seen = HashSet::new();
        for _ in 0..MAX_DEPTH {
            let (flags, elems) = elements(bytes)?;
            if flags == LEAF {
                return Ok(elems
                    .into_iter()
                    .find(|e| e.key == key)
                    .map(|e| (e.flags, e.value)));
            }
            // The last branch whose first key is not above `key`.
            let Some(next) = elems
                .iter()
                .take_while(|e| e.key <= key)
                .last()
                .or(elems.first())
            else {
                return Ok(None);
            };
            if !seen.insert(next.child) {
                return Err(format!("page {} is its own descendant", next.child));
            }
            bytes = self.db.page(next.child)?;
        }
        Err(format!("a tree deeper than {MAX_DEPTH} pages"))
    }

    /// The value stored under `key` (not a bucket).
    pub fn get(&self, key: &[u8]) -> Result<Option<&'a [u8]>, String> {
        Ok(self
            .find(key)?
            .filter(|(flags, _)| flags & BUCKET_LEAF == 0)
            .map(|(_, v)| v))
    }

    /// The bucket nested under `key`.
    pub fn bucket(&self, key: &[u8]) -> Result<Option<Bucket<'a>>, String> {
        let Some((flags, value)) = self.find(key)? else {
            return Ok(None);
        };
        if flags & BUCKET_LEAF == 0 {
            return Ok(None);
        }
        let root = u64_at(value, 0).ok_or("a bucket header shorter than 16 bytes")?;
        let tree = if root == 0 {
            Tree::Inline(value.get(16..).ok_or("an inline bucket without its page")?)
        } else {
            Tree::Page(root)
        };
        Ok(Some(Bucket { db: self.db, tree }))
    }

    /// The bucket at `path` below this one.
    pub fn path(&self, path: &[&[u8]]) -> Result<Option<Bucket<'a>>, String> {
        let mut b = *self;
        for key in path {
            match b.bucket(key)? {
                Some(next) => b = next,
                None => return Ok(None),
            }
        }
        Ok(Some(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-page-size Bolt file: metas 0 and 1, a root leaf page 2 with
    /// an inline bucket `v1` holding `k` = `v`, and a branch-free tree.
    fn tiny(torn_first_meta: bool) -> Vec<u8> {
        let ps = 4096usize;
        let mut data = vec![0u8; ps * 3];
        for (i, txid) in [(0usize, 1u64), (1, 2)] {
            let at = i * ps;
            data[at..at + 8].copy_from_slice(&(i as u64).to_le_bytes());
            data[at + 8..at + 10].copy_from_slice(&0x04u16.to_le_bytes());
            let m = at + HEADER;
            data[m..m + 4].copy_from_slice(&MAGIC.to_le_bytes());
            data[m + 4..m + 8].copy_from_slice(&VERSION.to_le_bytes());
            data[m + 8..m + 12].copy_from_slice(&(ps as u32).to_le_bytes());
            data[m + 16..m + 24].copy_from_slice(&2u64.to_le_bytes());
            data[m + 48..m + 56].copy_from_slice(&txid.to_le_bytes());
            let sum = fnv1a64(&data[m..m + 56]);
            data[m + 56..m + 64].copy_from_slice(&sum.to_le_bytes());
        }
        if torn_first_meta {
            data[HEADER + 20] ^= 0xff;
        }
        // The inline bucket's page: a leaf with k = v.
        let mut inline = vec![0u8; HEADER + 16];
        inline[8..10].copy_from_slice(&LEAF.to_le_bytes());
        inline[10..12].copy_from_slice(&1u16.to_le_bytes());
        inline[HEADER + 4..HEADER + 8].copy_from_slice(&16u32.to_le_bytes());
        inline[HEADER + 8..HEADER + 12].copy_from_slice(&1u32.to_le_bytes());
        inline[HEADER + 12..HEADER + 16].copy_from_slice(&1u32.to_le_bytes());
        inline.extend_from_slice(b"kv");
        let mut value = vec![0u8; 16];
        value.extend_from_slice(&inline);
        // Page 2: a leaf with `v1` -> the bucket.
        let p = 2 * ps;
        data[p..p + 8].copy_from_slice(&2u64.to_le_bytes());
        data[p + 8..p + 10].copy_from_slice(&LEAF.to_le_bytes());
        data[p + 10..p + 12].copy_from_slice(&1u16.to_le_bytes());
        let e = p + HEADER;
        data[e..e + 4].copy_from_slice(&BUCKET_LEAF.to_le_bytes());
        data[e + 4..e + 8].copy_from_slice(&16u32.to_le_bytes());
        data[e + 8..e + 12].copy_from_slice(&2u32.to_le_bytes());
        data[e + 12..e + 16].copy_from_slice(&(value.len() as u32).to_le_bytes());
        data[e + 16..e + 18].copy_from_slice(b"v1");
        data[e + 18..e + 18 + value.len()].copy_from_slice(&value);
        data
    }

    #[test]
    fn nested_inline_buckets_are_read() {
        for torn in [false, true] {
            let db = Bolt::new(tiny(torn)).unwrap();
            let v1 = db.root().bucket(b"v1").unwrap().unwrap();
            assert_eq!(v1.get(b"k").unwrap(), Some(&b"v"[..]));
            assert_eq!(v1.get(b"x").unwrap(), None);
            assert!(
                db.root().get(b"v1").unwrap().is_none(),
                "a bucket is no value"
            );
            assert!(db.root().path(&[b"v1", b"k"]).unwrap().is_none());
        }
    }

    #[test]
    fn broken_files_are_errors_not_panics() {
        assert!(Bolt::new(Vec::new()).is_err());
        assert!(Bolt::new(vec![0xff; 9000]).is_err());
        let mut data = tiny(false);
        // The root page points at itself as a branch: a loop.
        let p = 2 * 4096;
        data[p + 8..p + 10].copy_from_slice(&BRANCH.to_le_bytes());
        data[p + HEADER + 8..p + HEADER + 16].copy_from_slice(&2u64.to_le_bytes());
        let db = Bolt::new(data).unwrap();
        assert!(db.root().get(b"v1").is_err());
        // Truncated anywhere: errors or absent keys, never a panic.
        let full = tiny(false);
        for cut in (0..full.len()).step_by(97) {
            if let Ok(db) = Bolt::new(full[..cut].to_vec()) {
                let _ = db.root().path(&[b"v1"]).map(|b| b.map(|b| b.get(b"k")));
            }
        }
    }
}
