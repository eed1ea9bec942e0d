//! The Prometheus text exposition format (0.0.4), written by the agent's
//! and the collector's `/metrics`: families with their help and type,
//! samples with escaped label values, and the standard `process_*`
//! metrics read from `/proc/self`.

use std::fmt::{Display, Write};

/// The content type of an exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A metric family's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        }
    }
}

/// An exposition being written: families, each followed by its samples.
#[derive(Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    pub fn new() -> Exposition {
        Exposition {
            out: String::with_capacity(4096),
        }
    }

    /// Starts a family: its help line (newlines escaped) and its type.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) -> &mut Self {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(
            self.out,
            "# HELP {name} {help}\n# TYPE {name} {}",
            kind.as_str()
        );
        self
    }

    /// One sample of the current family; label values are escaped.
    pub fn sample(
        &mut self,
        name: &str,
        labels: &[(&str, &str)],
        value: impl Display,
    ) -> &mut Self {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (key, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{key}=\"{}\"", escape(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
        self
    }

    /// A family of one unlabelled sample.
    pub fn single(&mut self, name: &str, kind: Kind, help: &str, value: impl Display) -> &mut Self {
        self.family(name, kind, help).sample(name, &[], value)
    }

    /// The standard `process_*` metrics (CPU, memory, start time,
    /// descriptors) from `/proc/self`; those it cannot read are left out.
    pub fn process(&mut self) -> &mut Self {
        for (name, kind, help, value) in process_metrics() {
            if let Some(v) = value {
                self.single(name, kind, help, v);
            }
        }
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A label value as the format wants it: backslash, quote and newline
/// escaped.
pub fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

type ProcessMetric = (&'static str, Kind, &'static str, Option<f64>);

fn process_metrics() -> Vec<ProcessMetric> {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Vec::new();
    };
    // Fields after the command name, which is in parentheses and may
    // itself hold spaces.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return Vec::new();
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| f.get(n - 3).and_then(|v| v.parse::<f64>().ok());
    let ticks = 100.0; // USER_HZ on Linux
    let page = 4096.0;
    let boot_time = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse::<f64>().ok())
    });
    let open_fds = std::fs::read_dir("/proc/self/fd").map(|d| d.count()).ok();
    let max_fds = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(3)
                        .and_then(|v| v.parse::<f64>().ok())
                })
        });
    vec![
        (
            "process_cpu_seconds_total",
            Kind::Counter,
            "Total user and system CPU time spent in seconds.",
            field(14).zip(field(15)).map(|(u, s)| (u + s) / ticks),
        ),
        (
            "process_resident_memory_bytes",
            Kind::Gauge,
            "Resident memory size in bytes.",
            field(24).map(|p| p * page),
        ),
        (
            "process_virtual_memory_bytes",
            Kind::Gauge,
            "Virtual memory size in bytes.",
            field(23),
        ),
        (
            "process_start_time_seconds",
            Kind::Gauge,
            "Start time of the process since unix epoch in seconds.",
            field(22).zip(boot_time).map(|(t, b)| b + t / ticks),
        ),
        (
            "process_open_fds",
            Kind::Gauge,
            "Number of open file descriptors.",
            open_fds.map(|n| n as f64),
        ),
        (
            "process_max_fds",
            Kind::Gauge,
            "Maximum number of open file descriptors.",
            max_fds,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_and_samples_are_written_with_escaped_labels() {
        let mut e = Exposition::new();
        e.family("plumb_nodes", Kind::Gauge, "Nodes by\nstatus.")
            .sample(
                "plumb_nodes",
                &[("status", "clean"), ("image", "a\"b\\c\nd")],
                3,
            )
            .single("plumb_up", Kind::Counter, "Up.", 1.5);
        assert_eq!(
            e.finish(),
            "# HELP plumb_nodes Nodes by\\nstatus.\n# TYPE plumb_nodes gauge\n\
             plumb_nodes{status=\"clean\",image=\"a\\\"b\\\\c\\nd\"} 3\n\
             # HELP plumb_up Up.\n# TYPE plumb_up counter\nplumb_up 1.5\n"
        );
    }

    #[test]
    fn process_metrics_are_read_from_proc() {
        let mut e = Exposition::new();
        e.process();
        let text = e.finish();
        for name in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_open_fds",
        ] {
            assert!(text.contains(&format!("\n{name} ")), "{name} in {text}");
        }
    }
}
