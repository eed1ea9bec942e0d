//! Enrollment (`Enrollment`): a one-time token and a CSR become a node
//! certificate; the token is checked before anything is parsed or signed.

use std::sync::Arc;

use plumb_proto::v1::{EnrollRequest, EnrollResponse};
use tonic::{Request, Response, Status};

use crate::hub::Hub;
use crate::model::now_ms;
use crate::security::principal::caller;
use crate::security::tls::Peer;

use super::validate::check_len;

/// Enrollment: a one-time token and a CSR become a node certificate.
pub struct Enroll {
    pub hub: Arc<Hub>,
}

#[tonic::async_trait]
impl plumb_proto::Enrollment for Enroll {
    async fn enroll(
        &self,
        request: Request<EnrollRequest>,
    ) -> Result<Response<EnrollResponse>, Status> {
        use crate::security::auth::secret_hash;
        let who = caller(&request);
        let source = request.extensions().get::<Peer>().map(|p| p.addr.ip());
        let trust = &self.hub.trust;
        let audit = &trust.auth.audit;
        let r = request.into_inner();
        let Some(ca) = &trust.enroll_ca else {
            return Err(Status::failed_precondition(
                "enrollment is off: the collector has no --enroll-ca-cert/--enroll-ca-key",
            ));
        };
        let now = now_ms();
        // A source that keeps failing is refused before any work: no
        // token lookup, no CSR parsing, no signature.
        if let Some(ip) = source {
            if !trust.enroll_refusals.allows(ip, now) {
                audit.refused(
                    &who,
                    "enroll",
                    &r.node_id,
                    "too many refused enrollments from this source",
                );
                return Err(Status::resource_exhausted(format!(
                    "too many refused enrollments from {ip}: try again in a minute"
                )));
            }
        }
        let refuse = |status: Status| {
            if let Some(ip) = source {
                trust.enroll_refusals.refused(ip, now_ms());
            }
            audit.refused(&who, "enroll", &r.node_id, status.message());
            status
        };
        check_len("enroll.token", &r.token, 256).map_err(refuse)?;
        check_len("enroll.image_id", &r.image_id, plumb_proto::MAX_ID_BYTES).map_err(refuse)?;
        crate::security::pki::check_node_id(&r.node_id)
            .map_err(|e| refuse(Status::invalid_argument(e.to_string())))?;
        let token = secret_hash(&r.token);
        let unavailable = |e: crate::store::StoreError| {
            tracing::error!(error = %e, "enrollment lookup failed");
            Status::unavailable("collector database unavailable")
        };
        // The token, its image and uses are checked before the CSR is
        // parsed or anything is signed.
        if let Err(refusal) = self
            .hub
            .store
            .check_enrollment(&token, &r.image_id, &r.node_id, now)
            .await
            .map_err(unavailable)?
        {
            return Err(refuse(Status::permission_denied(refusal.to_string())));
        }
        let (cert, serial) = ca
            .sign_csr(&r.csr_pem, &r.node_id, trust.cert_days)
            .map_err(|e| refuse(Status::invalid_argument(e.to_string())))?;
        match self
            .hub
            .store
            .redeem_enrollment(&token, &r.image_id, &r.node_id, &serial, now_ms())
            .await
            .map_err(unavailable)?
        {
            Ok(()) => {
                audit.ok(
                    &who,
                    "enroll",
                    &r.node_id,
                    &format!("image {} certificate {serial}", r.image_id),
                );
                Ok(Response::new(EnrollResponse {
                    certificate_pem: cert,
                    ca_pem: ca.cert_pem.clone(),
                    node_id: r.node_id,
                }))
            }
            // Used up between the check and now (two enrollments at once).
            Err(refusal) => Err(refuse(Status::permission_denied(refusal.to_string()))),
        }
    }
}
