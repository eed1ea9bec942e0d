//! The listener scanner: listening TCP sockets and bound UDP sockets (IPv4
//! and IPv6) from `/proc/net/{tcp,tcp6,udp,udp6}`, attributed to a process
//! through the socket inodes in `/proc/<pid>/fd`.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use plumb_proto::v1::{Listener, ListenerRule, Protocol};

const TCP_LISTEN: &str = "0A";
const UDP_UNCONNECTED: &str = "07";

/// A `/proc/net` table that could not be read or parsed.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct ListenerError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

/// Reads the current listeners from a proc filesystem (normally `/proc`).
/// Ports inside the kernel's ephemeral range are marked `ephemeral`.
pub fn scan(proc_dir: &Path) -> Result<Vec<Listener>, ListenerError> {
    let owners = socket_owners(proc_dir);
    let range = ephemeral_range(proc_dir);
    let mut out = Vec::new();
    for (file, protocol) in [
        ("net/tcp", Protocol::Tcp),
        ("net/tcp6", Protocol::Tcp),
        ("net/udp", Protocol::Udp),
        ("net/udp6", Protocol::Udp),
    ] {
        let path = proc_dir.join(file);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            // No IPv6 on this host, for example.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(ListenerError {
                    path: path.display().to_string(),
                    line: None,
                    message: e.to_string(),
                })
            }
        };
        for (mut listener, inode) in parse_table(&path.display().to_string(), &text, protocol)? {
            let (process, executable) = owners.get(&inode).cloned().unwrap_or_default();
            let port = listener.port;
            listener.process = process;
            listener.executable = executable;
            listener.ephemeral =
                range.is_some_and(|(lo, hi)| port >= u32::from(lo) && port <= u32::from(hi));
            out.push(listener);
        }
    }
    out.sort_by(|a, b| {
        (a.protocol, &a.address, a.port, &a.process)
            .cmp(&(b.protocol, &b.address, b.port, &b.process))
    });
    out.dedup();
    Ok(out)
}

/// The listening sockets of one `/proc/net/{tcp,tcp6,udp,udp6}` table
/// (`text`, read from `path`), each with its socket inode; owner and
/// ephemerality are left for the caller.
pub fn parse_table(
    path: &str,
    text: &str,
    protocol: Protocol,
) -> Result<Vec<(Listener, u64)>, ListenerError> {
    let want_state = if protocol == Protocol::Tcp {
        TCP_LISTEN
    } else {
        UDP_UNCONNECTED
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let err = |message: String| ListenerError {
            path: path.to_string(),
            line: Some(i + 1),
            message,
        };
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() < 10 {
            return Err(err(format!(
                "expected at least 10 columns, found {}",
                cols.len()
            )));
        }
        if cols[3] != want_state {
            continue;
        }
        let (address, port) = parse_endpoint(cols[1]).map_err(&err)?;
        if protocol == Protocol::Udp && !cols[2].ends_with(":0000") {
            continue; // a connected UDP socket is a client, not a listener
        }
        let inode: u64 = cols[9]
            .parse()
            .map_err(|_| err(format!("bad inode {:?}", cols[9])))?;
        let listener = Listener {
            protocol: protocol as i32,
            address,
            port: u32::from(port),
            ..Listener::default()
        };
        out.push((listener, inode));
    }
    Ok(out)
}

/// How a listener appears in a manifest: ephemeral ports are recorded as
/// port 0 so that the next boot's random port still matches.
pub fn for_manifest(mut l: Listener) -> Listener {
    if l.ephemeral {
        l.port = 0;
    }
    l
}

/// The deviation key of a listener: `tcp:0.0.0.0:22`, `udp:[::]:*`.
pub fn key(l: &Listener) -> String {
    let proto = if l.protocol == Protocol::Udp as i32 {
        "udp"
    } else {
        "tcp"
    };
    let addr = if l.address.contains(':') {
        format!("[{}]", l.address)
    } else {
        l.address.clone()
    };
    if l.ephemeral {
        format!("{proto}:{addr}:*")
    } else {
        format!("{proto}:{addr}:{}", l.port)
    }
}

/// Parses `--allow-listener` values: `tcp:9100`, `udp:*`, `tcp:*:nginx`,
/// `tcp:8080:java`.
pub fn parse_rule(text: &str) -> Result<ListenerRule, String> {
    let mut parts = text.splitn(3, ':');
    let proto = match parts.next() {
        Some("tcp") => Protocol::Tcp,
        Some("udp") => Protocol::Udp,
        other => {
            return Err(format!(
                "{text:?}: protocol must be tcp or udp, found {:?}",
                other.unwrap_or("")
            ))
        }
    };
    let port = match parts.next() {
        Some("*") => 0,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{text:?}: port must be 1-65535 or *, found {p:?}"))?,
        None => return Err(format!("{text:?}: expected PROTO:PORT[:PROCESS]")),
    };
    Ok(ListenerRule {
        protocol: proto as i32,
        port: u32::from(port),
        process: parts.next().unwrap_or("").to_string(),
    })
}

/// Whether an allow rule covers a listener. A rule names a process by
/// its executable, never by the name a process gives itself: a path must
/// be the listener's executable; a bare name must be the file name of an
/// executable that `image_executable` says is part of the image.
pub fn allowed(rule: &ListenerRule, l: &Listener, image_executable: &dyn Fn(&str) -> bool) -> bool {
    rule.protocol == l.protocol
        && (rule.port == 0 || rule.port == l.port)
        && (rule.process.is_empty() || runs(&rule.process, l, image_executable))
}

fn runs(process: &str, l: &Listener, image_executable: &dyn Fn(&str) -> bool) -> bool {
    if l.executable.is_empty() {
        return false; // unknown executable: nothing vouches for it
    }
    if process.starts_with('/') {
        return l.executable == process;
    }
    l.executable.rsplit('/').next() == Some(process) && image_executable(&l.executable)
}

/// Whether manifest listener `expected` accounts for current `actual`.
pub fn matches(expected: &Listener, actual: &Listener) -> bool {
    if expected.protocol != actual.protocol || expected.process != actual.process {
        return false;
    }
    // Manifests from before executables were recorded match by name.
    if !expected.executable.is_empty() && expected.executable != actual.executable {
        return false;
    }
    if expected.ephemeral {
        actual.ephemeral
    } else {
        expected.port == actual.port && expected.address == actual.address
    }
}

fn parse_endpoint(s: &str) -> Result<(String, u16), String> {
    let (addr, port) = s
        .split_once(':')
        .ok_or_else(|| format!("bad endpoint {s:?}"))?;
    let port = u16::from_str_radix(port, 16).map_err(|_| format!("bad port in {s:?}"))?;
    // Hex digits only: anything else (a multi-byte character could make a
    // byte offset fall inside it) is not an address.
    if !addr.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("bad address {addr:?}"));
    }
    let address = match addr.len() {
        8 => {
            let v = u32::from_str_radix(addr, 16).map_err(|_| format!("bad address {addr:?}"))?;
            // The kernel prints the network-order address as a host u32.
            Ipv4Addr::from(v.to_ne_bytes()).to_string()
        }
        32 => {
            let mut bytes = [0u8; 16];
            for w in 0..4 {
                let v = u32::from_str_radix(&addr[w * 8..w * 8 + 8], 16)
                    .map_err(|_| format!("bad address {addr:?}"))?;
                bytes[w * 4..w * 4 + 4].copy_from_slice(&v.to_ne_bytes());
            }
            let v6 = Ipv6Addr::from(bytes);
            match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => v6.to_string(),
            }
        }
        _ => return Err(format!("bad address {addr:?}")),
    };
    Ok((address, port))
}

/// socket inode → (process name (`comm`), executable), for every process
/// we can inspect.
fn socket_owners(proc_dir: &Path) -> HashMap<u64, (String, String)> {
    let mut owners = HashMap::new();
    let Ok(procs) = std::fs::read_dir(proc_dir) else {
        return owners;
    };
    for p in procs.flatten() {
        let name = p.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        let mut owner: Option<(String, String)> = None;
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let t = target.to_string_lossy();
            if let Some(inode) = t.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) {
                if let Ok(inode) = inode.parse::<u64>() {
                    let o = owner.get_or_insert_with(|| {
                        let comm = std::fs::read_to_string(p.path().join("comm"))
                            .map(|s| s.trim().to_string())
                            .unwrap_or_default();
                        let exe = std::fs::read_link(p.path().join("exe"))
                            .map(|t| t.to_string_lossy().into_owned())
                            .unwrap_or_default();
                        (comm, exe)
                    });
                    owners.entry(inode).or_insert_with(|| o.clone());
                }
            }
        }
    }
    owners
}

fn ephemeral_range(proc_dir: &Path) -> Option<(u16, u16)> {
    let text = std::fs::read_to_string(proc_dir.join("sys/net/ipv4/ip_local_port_range")).ok()?;
    let mut it = text.split_whitespace().map(|s| s.parse::<u16>());
    match (it.next(), it.next()) {
        (Some(Ok(lo)), Some(Ok(hi))) => Some((lo, hi)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_hex_address_is_an_error_not_a_panic() {
        // Found by the proc_net fuzz target: a multi-byte character inside
        // a 32-byte IPv6 address used to be sliced through.
        let addr = format!("{}芮{}:0016", "0".repeat(15), "0".repeat(14));
        assert_eq!(addr.split_once(':').unwrap().0.len(), 32);
        assert!(parse_endpoint(&addr).unwrap_err().contains("bad address"));
    }

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1235 1 0000000000000000 100 0 0 10 0
   2: 0100007F:A001 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 1236 1 0000000000000000 100 0 0 10 0
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2000 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:9C41 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0
";

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::create_dir_all(p.join("net")).unwrap();
        std::fs::create_dir_all(p.join("sys/net/ipv4")).unwrap();
        std::fs::write(p.join("net/tcp"), TCP).unwrap();
        std::fs::write(p.join("net/tcp6"), TCP6).unwrap();
        std::fs::write(p.join("sys/net/ipv4/ip_local_port_range"), "32768\t60999\n").unwrap();
        std::fs::create_dir_all(p.join("42/fd")).unwrap();
        std::fs::write(p.join("42/comm"), "sshd\n").unwrap();
        std::os::unix::fs::symlink("/usr/sbin/sshd", p.join("42/exe")).unwrap();
        std::os::unix::fs::symlink("socket:[1234]", p.join("42/fd/3")).unwrap();
        dir
    }

    #[test]
    fn reads_listening_sockets_with_owners() {
        let dir = fixture();
        let l = scan(dir.path()).unwrap();
        let keys: Vec<String> = l.iter().map(key).collect();
        assert_eq!(
            keys,
            vec![
                "tcp:0.0.0.0:22",
                "tcp:127.0.0.1:8080",
                "tcp:[::]:80",
                "tcp:[::1]:*"
            ]
        );
        assert_eq!(l[0].process, "sshd");
        assert_eq!(l[0].executable, "/usr/sbin/sshd");
        assert!(l[3].ephemeral, "port 40001 is in the ephemeral range");
    }

    #[test]
    fn malformed_table_names_file_and_line() {
        let dir = fixture();
        std::fs::write(
            dir.path().join("net/tcp"),
            "header\n 0: 0100007F:XYZ 00000000:0000 0A a b c d e 5\n",
        )
        .unwrap();
        let err = scan(dir.path()).unwrap_err();
        assert!(err.to_string().contains("net/tcp line 2"), "{err}");
    }

    #[test]
    fn allow_rules_parse_and_match_the_executable_not_the_name() {
        let image = |exe: &str| exe == "/usr/sbin/nginx";
        let r = parse_rule("tcp:9100").unwrap();
        let l = Listener {
            protocol: Protocol::Tcp as i32,
            address: "0.0.0.0".into(),
            port: 9100,
            ..Default::default()
        };
        assert!(allowed(&r, &l, &image));
        let nginx = Listener {
            process: "nginx".into(),
            executable: "/usr/sbin/nginx".into(),
            ..l.clone()
        };
        assert!(allowed(&parse_rule("tcp:*:nginx").unwrap(), &nginx, &image));
        assert!(allowed(
            &parse_rule("tcp:*:/usr/sbin/nginx").unwrap(),
            &nginx,
            &image
        ));
        // Any process can call itself nginx; it cannot run the image's nginx.
        let impostor = Listener {
            process: "nginx".into(),
            executable: "/tmp/nginx".into(),
            ..l.clone()
        };
        assert!(!allowed(
            &parse_rule("tcp:*:nginx").unwrap(),
            &impostor,
            &image
        ));
        assert!(!allowed(
            &parse_rule("tcp:*:/usr/sbin/nginx").unwrap(),
            &impostor,
            &image
        ));
        let unknown = Listener {
            process: "nginx".into(),
            ..l.clone()
        };
        assert!(!allowed(
            &parse_rule("tcp:*:nginx").unwrap(),
            &unknown,
            &image
        ));
        assert!(!allowed(&parse_rule("udp:9100").unwrap(), &l, &image));
        assert!(parse_rule("icmp:1").is_err());
        assert!(parse_rule("tcp:99999").unwrap_err().contains("99999"));
    }

    #[test]
    fn ephemeral_listener_matches_any_port_of_the_same_process() {
        let recorded = for_manifest(Listener {
            protocol: 1,
            address: "::1".into(),
            port: 40001,
            process: "java".into(),
            ephemeral: true,
            executable: "/usr/bin/java".into(),
        });
        let now = Listener {
            port: 45000,
            ..recorded.clone()
        };
        assert!(matches(
            &recorded,
            &Listener {
                ephemeral: true,
                ..now.clone()
            }
        ));
        assert!(!matches(
            &recorded,
            &Listener {
                process: "nc".into(),
                ephemeral: true,
                ..now.clone()
            }
        ));
        assert!(
            !matches(
                &recorded,
                &Listener {
                    ephemeral: true,
                    executable: "/tmp/java".into(),
                    ..now
                }
            ),
            "same name, another executable"
        );
    }
}
