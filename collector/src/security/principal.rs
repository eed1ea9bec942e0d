//! Who is calling: the principal an authenticated request carries (token
//! name and role, or a node certificate's node), apart from what it is
//! allowed ([`super::auth`]) and what is recorded of it ([`super::audit`]).

use super::tls::Peer;

/// API roles, each including the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Dashboard, queries, watch, metrics.
    Read,
    /// Acknowledge, retire, rescan, clear a held flag.
    Operator,
    /// Manifests, tokens, enrollment, revocation.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "read" => Some(Role::Read),
            "operator" => Some(Role::Operator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    /// The role a wire value names; none for unspecified or a value this
    /// version does not know.
    pub fn from_pb(v: i32) -> Option<Role> {
        [Role::Read, Role::Operator, Role::Admin]
            .into_iter()
            .find(|r| r.to_pb() as i32 == v)
    }

    pub fn to_pb(self) -> plumb_proto::v1::Role {
        match self {
            Role::Read => plumb_proto::v1::Role::Read,
            Role::Operator => plumb_proto::v1::Role::Operator,
            Role::Admin => plumb_proto::v1::Role::Admin,
        }
    }
}

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Token name, `node:<id>`, or `anonymous` on an unauthenticated collector.
    pub name: String,
    pub role: Option<Role>,
    /// The node id of a verified client certificate.
    pub node_id: Option<String>,
    /// The session's CSRF token, for dashboard forms.
    pub csrf: Option<String>,
    /// The client's address.
    pub source: String,
}

impl Principal {
    pub fn role_name(&self) -> &'static str {
        self.caller().as_str()
    }

    /// Who this is, as the audit log records it.
    pub fn caller(&self) -> crate::store::Caller {
        use crate::store::Caller;
        match (self.role, &self.node_id) {
            (Some(Role::Read), _) => Caller::Read,
            (Some(Role::Operator), _) => Caller::Operator,
            (Some(Role::Admin), _) => Caller::Admin,
            (None, Some(_)) => Caller::Node,
            (None, None) => Caller::None,
        }
    }
}

/// The caller as the guard saw it (or, without the guard, as the
/// transport did).
pub fn principal_of(p: Option<&Principal>, peer: Option<&Peer>) -> Principal {
    p.cloned().unwrap_or_else(|| Principal {
        name: "anonymous".into(),
        role: None,
        node_id: peer.and_then(|p| p.node_id.clone()),
        csrf: None,
        source: peer.map_or_else(String::new, |p| p.addr.to_string()),
    })
}

/// The caller of a gRPC request, as the guard saw it.
pub fn caller<T>(request: &tonic::Request<T>) -> Principal {
    principal_of(request.extensions().get(), request.extensions().get())
}
