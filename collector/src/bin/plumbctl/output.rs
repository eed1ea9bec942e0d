//! What plumbctl prints: tables for people, JSON for scripts; text from
//! the nodes is printed with terminal controls escaped.

use plumb_proto::v1::NodeSummary;

/// Prints a line made of text from the nodes, with anything a terminal
/// would act on escaped.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", plumb_proto::printable(&format!($($arg)*)))
    };
}

/// A node status as plumbctl prints it: its snake-case name, `""` when
/// unspecified (an event's first status, an unknown value).
pub fn status(s: plumb_proto::v1::NodeStatus) -> &'static str {
    match s {
        plumb_proto::v1::NodeStatus::Unspecified => "",
        s => plumb_proto::node_status_snake(s),
    }
}

/// A node's or container's worst open severity: `""` when none is open.
pub fn worst(s: plumb_proto::v1::Severity) -> &'static str {
    match s {
        plumb_proto::v1::Severity::Unspecified => "",
        s => plumb_proto::severity_snake(s),
    }
}

/// Prints `list` as a JSON array of the model type `M`: the shape the
/// REST API serves for the same thing.
pub fn print_as<'a, P: 'a, M>(list: &'a [P]) -> anyhow::Result<()>
where
    M: TryFrom<&'a P> + serde::Serialize,
    M::Error: std::error::Error + Send + Sync + 'static,
{
    let items = list
        .iter()
        .map(M::try_from)
        .collect::<Result<Vec<M>, _>>()?;
    println!("{}", serde_json::to_string(&items)?);
    Ok(())
}

/// One value as the model type `M` serialises it (the REST API's shape).
pub fn print_one<'a, P, M>(value: &'a P) -> anyhow::Result<()>
where
    M: TryFrom<&'a P> + serde::Serialize,
    M::Error: std::error::Error + Send + Sync + 'static,
{
    println!("{}", serde_json::to_string(&M::try_from(value)?)?);
    Ok(())
}

pub fn ago(ms: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let s = ((now - ms) / 1000).max(0);
    match s {
        _ if ms == 0 => "never".into(),
        0..=119 => format!("{s}s ago"),
        120..=7199 => format!("{}m ago", s / 60),
        7200..=172_799 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

pub fn table(headers: &[&str], rows: Vec<Vec<String>>) {
    // Cells come from the nodes: nothing in them may act on the terminal.
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            r.iter()
                .map(|c| plumb_proto::printable(c).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(headers.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r);
    }
}

pub fn print_nodes(nodes: &[NodeSummary], as_json: bool) -> anyhow::Result<()> {
    if as_json {
        return print_as::<_, plumb_collector::model::Node>(nodes);
    }
    table(
        &[
            "NODE",
            "IMAGE",
            "STATUS",
            "DEVIATIONS",
            "MAX",
            "LAST SEEN",
            "REASON",
        ],
        nodes
            .iter()
            .map(|n| {
                vec![
                    n.node_id.clone(),
                    n.image_id.clone(),
                    status(n.status()).to_string(),
                    n.deviation_count.to_string(),
                    worst(n.max_severity()).to_string(),
                    ago(n.last_seen_unix_ms),
                    n.reasons.first().cloned().unwrap_or_default(),
                ]
            })
            .collect(),
    );
    Ok(())
}

pub fn report_action(n: &NodeSummary, as_json: bool) -> anyhow::Result<()> {
    if as_json {
        return print_one::<_, plumb_collector::model::Node>(n);
    }
    println!("node {} is now {}", n.node_id, status(n.status()));
    Ok(())
}
