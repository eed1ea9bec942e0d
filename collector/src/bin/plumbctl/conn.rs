//! How plumbctl reaches the collector: its URL, the CA that signs its
//! certificate and the API token, from flags, the environment or a
//! config file (`~/.config/plumb/plumbctl.toml`, else
//! `/etc/plumb/plumbctl.toml`), in that order; and what to set when the
//! collector refuses.

use std::future::Future;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use plumb_proto::v1::{ListNodesResponse, NodeSummary};
use tonic::transport::Channel;

use crate::Cli;

/// Where the collector is when nothing says otherwise.
const DEFAULT_COLLECTOR: &str = "https://127.0.0.1:7400";

/// The config file's settings; relative paths are relative to the file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    collector: Option<String>,
    ca: Option<PathBuf>,
    token_file: Option<PathBuf>,
}

impl ConfigFile {
    /// The file `--config` names, or the first of the usual places that
    /// exists; none is no settings.
    fn load(given: Option<&Path>) -> Result<ConfigFile> {
        let path = match given {
            Some(p) => p.to_path_buf(),
            None => match default_config() {
                Some(p) => p,
                None => return Ok(ConfigFile::default()),
            },
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        let mut file: ConfigFile =
            toml::from_str(&text).with_context(|| format!("config file {}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for p in [&mut file.ca, &mut file.token_file].into_iter().flatten() {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
        Ok(file)
    }
}

/// `$XDG_CONFIG_HOME/plumb/plumbctl.toml` (or `~/.config/...`), else
/// `/etc/plumb/plumbctl.toml`, whichever exists first.
fn default_config() -> Option<PathBuf> {
    let user = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .map(|d| d.join("plumb/plumbctl.toml"));
    user.into_iter()
        .chain([PathBuf::from("/etc/plumb/plumbctl.toml")])
        .find(|p| p.is_file())
}

/// How to reach the collector: its URL, TLS material and API token.
pub struct Conn {
    url: String,
    tls: plumb_proto::transport::ClientTls,
    token: Option<String>,
}

impl Conn {
    pub fn from_cli(cli: &Cli) -> Result<Conn> {
        // Flags, then the environment, then the configuration file.
        let env_path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let env_text = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let config = cli.config.clone().or_else(|| env_path("PLUMBCTL_CONFIG"));
        let file = ConfigFile::load(config.as_deref())?;
        let ca = cli.ca.clone().or_else(|| env_path("PLUMB_CA")).or(file.ca);
        let token_text = cli.token.clone().or_else(|| env_text("PLUMB_TOKEN"));
        let token_file = cli
            .token_file
            .clone()
            .or_else(|| env_path("PLUMB_TOKEN_FILE"))
            .or(file.token_file);
        let ca_pem = ca
            .as_ref()
            .map(|p| std::fs::read(p).with_context(|| format!("reading CA {}", p.display())))
            .transpose()?;
        let token = match (&token_text, token_file.as_ref()) {
            (Some(t), _) => Some(t.trim().to_string()),
            (None, Some(f)) => Some(
                std::fs::read_to_string(f)
                    .with_context(|| format!("reading token file {}", f.display()))?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        Ok(Conn {
            url: cli
                .collector
                .clone()
                .or_else(|| env_text("PLUMB_COLLECTOR"))
                .or(file.collector)
                .unwrap_or_else(|| DEFAULT_COLLECTOR.to_string()),
            tls: plumb_proto::transport::ClientTls {
                ca_pem,
                identity: None,
                insecure_plaintext: cli.insecure_plaintext,
            },
            token,
        })
    }
}

/// Adds the API token to every request.
#[derive(Clone)]
pub struct Bearer(Option<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut r: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            r.metadata_mut().insert("authorization", v.clone());
        }
        Ok(r)
    }
}

pub type AuthChannel = tonic::service::interceptor::InterceptedService<Channel, Bearer>;

/// A connection to the collector carrying the token; a failed handshake
/// says what to set.
pub async fn channel(c: &Conn) -> Result<AuthChannel> {
    let endpoint = plumb_proto::transport::endpoint(&c.url, &c.tls)?;
    let channel = match endpoint
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
    {
        Ok(ch) => ch,
        Err(e) => {
            let chain = plumb_proto::cli::error_chain(&e);
            if chain.contains("UnknownIssuer") || chain.contains("invalid peer certificate") {
                anyhow::bail!(
                    "the collector's certificate at {} is not signed by a CA plumbctl trusts: pass --ca or set PLUMB_CA (or `ca` in plumbctl.toml) ({chain})",
                    c.url
                );
            }
            return Err(e).with_context(|| format!("connecting to the collector at {}", c.url));
        }
    };
    let bearer = match &c.token {
        Some(t) => Some(
            format!("Bearer {t}")
                .parse()
                .context("the API token has characters a header cannot carry")?,
        ),
        None => None,
    };
    Ok(tonic::service::interceptor::InterceptedService::new(
        channel,
        Bearer(bearer),
    ))
}

/// The collector's refusal, with what to set when the fix is on this side.
pub fn status_error(s: tonic::Status) -> anyhow::Error {
    let message = s.message();
    if message.contains("grpc-status header missing") {
        return anyhow::anyhow!(
            "the collector answered like its HTTP port (dashboard and REST API), not its gRPC port: give the gRPC port (7400 by default) in --collector or PLUMB_COLLECTOR ({message})"
        );
    }
    if s.code() == tonic::Code::Unauthenticated && message.contains("API token is required") {
        return anyhow::anyhow!(
            "{message}: pass --token-file FILE or set PLUMB_TOKEN_FILE (or `token_file` in plumbctl.toml) to a file holding a token from `plumbctl token create`"
        );
    }
    anyhow::anyhow!("{message}")
}

/// Every node of a paged list: `page` fetches the page after a cursor
/// (empty for the first) until one says there is no next.
pub async fn all_pages<F, Fut>(mut page: F) -> Result<Vec<NodeSummary>>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<tonic::Response<ListNodesResponse>, tonic::Status>>,
{
    let mut nodes = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = page(cursor).await.map_err(status_error)?.into_inner();
        nodes.extend(r.nodes);
        if r.next_cursor.is_empty() {
            return Ok(nodes);
        }
        cursor = r.next_cursor;
    }
}
