//! TLS 1.3 session tickets whose keys every replica shares, so that an
//! agent reconnecting after a replica restart resumes its session on any
//! replica: no certificate signed, no client chain verified again, a
//! fraction of a full handshake's CPU in a reconnect storm.
//!
//! Keys roll every [`PERIOD_SECS`]: one AES-256-GCM key per period, kept
//! in the database (`ticket_keys`), made by the first replica that needs
//! it and erased two periods later. A ticket names its period; it is
//! accepted while its key is held (its own period and the next), and
//! refused after, whatever a client claims. The keys are refreshed from
//! the database by [`refresh`] every minute; until the first refresh a
//! replica issues no tickets (full handshakes, as before).

use std::sync::{Arc, RwLock};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

use crate::store::{Store, StoreError};

/// A key's period, in seconds.
pub const PERIOD_SECS: i64 = 3600;

/// The shared ticket keys; see the module documentation.
#[derive(Default)]
pub struct SharedTickets {
    /// (period, key), newest last.
    keys: RwLock<Vec<(i64, Arc<LessSafeKey>)>>,
}

impl std::fmt::Debug for SharedTickets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let periods: Vec<i64> = self
            .keys
            .read()
            .map(|k| k.iter().map(|(p, _)| *p).collect())
            .unwrap_or_default();
        f.debug_struct("SharedTickets")
            .field("periods", &periods)
            .finish()
    }
}

fn period_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(PERIOD_SECS)
}

impl SharedTickets {
    /// Holds these keys (hex, 32 bytes each); malformed ones are skipped.
    pub fn install(&self, keys: &[(i64, String)]) -> usize {
        let mut parsed: Vec<(i64, Arc<LessSafeKey>)> = keys
            .iter()
            .filter_map(|(period, hex)| {
                let bytes = decode_hex(hex)?;
                let key = UnboundKey::new(&AES_256_GCM, &bytes).ok()?;
                Some((*period, Arc::new(LessSafeKey::new(key))))
            })
            .collect();
        parsed.sort_by_key(|(p, _)| *p);
        let n = parsed.len();
        if let Ok(mut held) = self.keys.write() {
            *held = parsed;
        }
        n
    }

    fn key(&self, period: i64) -> Option<Arc<LessSafeKey>> {
        let held = self.keys.read().ok()?;
        held.iter()
            .find(|(p, _)| *p == period)
            .map(|(_, k)| k.clone())
    }

    fn seal(&self, now_secs: i64, plain: &[u8]) -> Option<Vec<u8>> {
        let period = period_of(now_secs);
        let key = self.key(period)?;
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).ok()?;
        let mut out = Vec::with_capacity(8 + NONCE_LEN + plain.len() + 16);
        out.extend_from_slice(&period.to_be_bytes());
        out.extend_from_slice(&nonce);
        let mut body = plain.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(period.to_be_bytes()),
            &mut body,
        )
        .ok()?;
        out.extend_from_slice(&body);
        Some(out)
    }

    fn open(&self, now_secs: i64, ticket: &[u8]) -> Option<Vec<u8>> {
        if ticket.len() < 8 + NONCE_LEN + 16 {
            return None;
        }
        let period = i64::from_be_bytes(ticket[..8].try_into().ok()?);
        // Its own period or the one before now's: never older, never
        // from the future.
        let now = period_of(now_secs);
        if period != now && period != now - 1 {
            return None;
        }
        let key = self.key(period)?;
        let nonce = Nonce::try_assume_unique_for_key(&ticket[8..8 + NONCE_LEN]).ok()?;
        let mut body = ticket[8 + NONCE_LEN..].to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(period.to_be_bytes()), &mut body)
            .ok()?;
        Some(plain.to_vec())
    }
}

fn now_secs() -> i64 {
    crate::model::now_ms() / 1000
}

impl rustls::server::ProducesTickets for SharedTickets {
    fn enabled(&self) -> bool {
        true
    }

    fn lifetime(&self) -> u32 {
        PERIOD_SECS as u32
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        self.seal(now_secs(), plain)
    }

    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        self.open(now_secs(), cipher)
    }
}

/// Loads the previous, current and next periods' keys from the store
/// (making those that are missing).
pub async fn refresh(tickets: &SharedTickets, store: &Store) -> Result<usize, StoreError> {
    let now = period_of(now_secs());
    let keys = store
        .ticket_keys(&[now - 1, now, now + 1], fresh_key)
        .await?;
    Ok(tickets.install(&keys))
}

fn fresh_key() -> String {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("the OS random number generator works");
    key.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tickets(periods: &[i64]) -> SharedTickets {
        let t = SharedTickets::default();
        let keys: Vec<(i64, String)> = periods.iter().map(|p| (*p, fresh_key())).collect();
        assert_eq!(t.install(&keys), periods.len());
        t
    }

    #[test]
    fn a_ticket_opens_on_any_replica_holding_the_keys_within_two_periods() {
        let a = tickets(&[9, 10, 11]);
        let b = SharedTickets::default();
        assert_eq!(b.install(&[(10, "zz".into()), (11, "00".repeat(31))]), 0);
        let now = 10 * PERIOD_SECS + 5;
        let ticket = a.seal(now, b"session state").unwrap();
        assert_eq!(a.open(now, &ticket).unwrap(), b"session state");
        // The next period still opens it; the one after does not.
        assert!(a.open(now + PERIOD_SECS, &ticket).is_some());
        assert!(a.open(now + 2 * PERIOD_SECS, &ticket).is_none());
        // A ticket from the future, a tampered one, a short one: refused.
        let future = a.seal(now + PERIOD_SECS, b"x").unwrap();
        assert!(a.open(now, &future).is_none());
        let mut tampered = ticket.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(a.open(now, &tampered).is_none());
        assert!(a.open(now, &ticket[..20]).is_none());
        assert!(a.open(now, &[]).is_none());
    }

    #[test]
    fn a_replica_with_other_keys_cannot_open_the_ticket() {
        let a = tickets(&[10]);
        let b = tickets(&[10]);
        let now = 10 * PERIOD_SECS;
        let ticket = a.seal(now, b"state").unwrap();
        assert!(b.open(now, &ticket).is_none());
        // Without a key for now's period, no ticket is issued.
        assert!(SharedTickets::default().seal(now, b"state").is_none());
    }
}
