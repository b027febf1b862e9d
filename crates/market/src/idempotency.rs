//! `Idempotency-Key` (SPEC.md §5): the same key and body replays the first answer; the
//! same key with another body is refused. The answer is stored in the transaction that
//! made the change, so a crash can never leave a change without its answer or the reverse.
//!
//! A key belongs to the caller's whole identity: the token's subject, its role and the
//! area or provider it acts for. Two callers never share answers, even under one subject.
//! The request compared is the method and the path with its ids plus the body, so a key
//! sent again for another object (another plan, another order) is a reuse (422), never
//! that object's change made under the first object's answer.

use chrono::{DateTime, Utc};
use provider_hub_store::idempotency::{self, IdempotencyRecord};
use provider_hub_store::{write_transaction, DbConn};
use sha2::{Digest, Sha256};

use crate::{naive, Actor, Error};

/// A creating request that carries an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct IdempotentRequest {
    pub key: String,
    /// The caller's role and the area or provider it acts for, e.g. `provider:prv_…`;
    /// with the actor's subject, the caller's whole identity.
    pub scope: String,
    /// Method and path with its ids, e.g. `POST /v1/sentence-plans/pln_…/approve`.
    pub route: String,
    /// SHA-256 of the canonical JSON body.
    pub request_hash: String,
}

impl IdempotentRequest {
    pub fn new(
        key: &str,
        scope: &str,
        route: &str,
        body: &serde_json::Value,
    ) -> Result<Self, Error> {
        let ok = (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(Error::invalid(
                "Idempotency-Key",
                "must be 1-255 visible ASCII characters",
            ));
        }
        // serde_json's maps are sorted, so equal bodies hash equally whatever their key order.
        let canonical = body.to_string();
        Ok(Self {
            key: key.to_owned(),
            scope: scope.to_owned(),
            route: route.to_owned(),
            request_hash: hex::encode(Sha256::digest(canonical.as_bytes())),
        })
    }
}

/// An answer: HTTP status and JSON body; `replayed` when it is a stored earlier answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: serde_json::Value,
    pub replayed: bool,
}

/// Runs `work` (which must do all its writes on the given connection) at most once per
/// caller and key. Without a key it simply runs `work` in a write transaction.
///
/// A stored answer is replayed only when `visible` still passes for the caller: what it
/// refuses (e.g. 404, an order no longer placed with the provider) is answered just as it
/// would be without a key.
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    request: Option<&IdempotentRequest>,
    now: DateTime<Utc>,
    visible: impl FnOnce(&mut DbConn) -> Result<(), Error>,
    work: impl FnOnce(&mut DbConn) -> Result<(u16, serde_json::Value), Error>,
) -> Result<Answer, Error> {
    let Some(request) = request else {
        let (status, body) = write_transaction(conn, |tx| work(tx))?;
        return Ok(Answer {
            status,
            body,
            replayed: false,
        });
    };
    let mut visible = Some(visible);
    let mut replay_if_visible = |conn: &mut DbConn, previous: &IdempotencyRecord| {
        if let Some(visible) = visible.take() {
            visible(conn)?;
        }
        replay(previous, request)
    };
    let outcome = write_transaction(conn, |conn| {
        if let Some(previous) = idempotency::find(conn, &actor.sub, &request.scope, &request.key)? {
            return replay_if_visible(conn, &previous);
        }
        let (status, body) = work(conn)?;
        idempotency::insert(
            conn,
            &IdempotencyRecord {
                actor_sub: actor.sub.clone(),
                actor_scope: request.scope.clone(),
                idempotency_key: request.key.clone(),
                route: request.route.clone(),
                request_hash: request.request_hash.clone(),
                response_status: i32::from(status),
                response_body: body.to_string(),
                created_at: naive(now),
            },
        )?;
        Ok(Answer {
            status,
            body,
            replayed: false,
        })
    });
    match outcome {
        // A concurrent request with the same key committed first: answer as it did.
        Err(Error::Conflict { .. }) => {
            match idempotency::find(conn, &actor.sub, &request.scope, &request.key)? {
                Some(previous) => replay_if_visible(conn, &previous),
                None => outcome,
            }
        }
        other => other,
    }
}

fn replay(previous: &IdempotencyRecord, request: &IdempotentRequest) -> Result<Answer, Error> {
    if previous.route != request.route || previous.request_hash != request.request_hash {
        return Err(Error::IdempotencyKeyReused);
    }
    let body = serde_json::from_str(&previous.response_body)
        .map_err(|e| Error::corrupt("idempotency_keys.response_body", e))?;
    Ok(Answer {
        status: u16::try_from(previous.response_status).unwrap_or(200),
        body,
        replayed: true,
    })
}
