//! Bearer-token authentication (SPEC.md §1): HS256 with a shared secret (embedded
//! default), or RS256/ES256 with a configured public key or keys from a JWKS URL.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use provider_hub_domain::auth::{scope_for, ScopeClaims};
use provider_hub_domain::{Role, Scope};
use provider_hub_market::access;
use provider_hub_market::Actor;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::error::ApiError;
use crate::state::AppState;

/// The claims of a hub token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
    pub aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
}

/// Where verification keys come from.
pub enum KeySource {
    /// A shared HS256 secret.
    Secret(Vec<u8>),
    /// One RS256 or ES256 public key (PEM).
    PublicKey {
        key: DecodingKey,
        algorithm: Algorithm,
    },
    /// An identity provider's JWKS document, fetched and cached.
    Jwks(JwksCache),
}

impl KeySource {
    /// Reads a PEM public key, RSA (RS256) or EC P-256 (ES256).
    pub fn from_public_key_pem(pem: &[u8]) -> Result<Self, String> {
        if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            return Ok(KeySource::PublicKey {
                key,
                algorithm: Algorithm::RS256,
            });
        }
        DecodingKey::from_ec_pem(pem)
            .map(|key| KeySource::PublicKey {
                key,
                algorithm: Algorithm::ES256,
            })
            .map_err(|e| format!("not an RSA or EC public key in PEM form: {e}"))
    }
}

/// Keys from a JWKS URL, refreshed when stale or when a token names an unknown key id.
pub struct JwksCache {
    url: String,
    client: reqwest::Client,
    keys: RwLock<Option<(JwkSet, Instant)>>,
    /// When the last fetch was tried, and whether it worked.
    last_fetch_attempt: RwLock<Option<(Instant, bool)>>,
}

const JWKS_MAX_AGE: Duration = Duration::from_secs(300);
const JWKS_MIN_REFETCH: Duration = Duration::from_secs(10);

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The token is not acceptable (401).
    Invalid(String),
    /// The identity provider's keys cannot be fetched, so the token cannot be checked
    /// now (503 with `Retry-After`): nothing is said about the token itself.
    KeysUnavailable,
}

impl From<String> for Refusal {
    fn from(reason: String) -> Self {
        Refusal::Invalid(reason)
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Invalid(reason) => ApiError::unauthorized(reason),
            Refusal::KeysUnavailable => ApiError::keys_unavailable(JWKS_MIN_REFETCH.as_secs()),
        }
    }
}

impl JwksCache {
    pub fn new(url: String) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| format!("cannot build the JWKS client: {e}"))?;
        Ok(Self {
            url,
            client,
            keys: RwLock::new(None),
            last_fetch_attempt: RwLock::new(None),
        })
    }

    /// Fetches the key set, at most once per `JWKS_MIN_REFETCH`; in between it reports
    /// how the last attempt went.
    async fn fetch(&self) -> Result<(), String> {
        {
            let last = self.last_fetch_attempt.read().await;
            if let Some((at, worked)) = *last {
                if at.elapsed() < JWKS_MIN_REFETCH {
                    return if worked {
                        Ok(())
                    } else {
                        Err("the last fetch failed moments ago".into())
                    };
                }
            }
        }
        *self.last_fetch_attempt.write().await = Some((Instant::now(), false));
        let set: JwkSet = self
            .client
            .get(&self.url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| format!("fetching JWKS failed: {e}"))?
            .json()
            .await
            .map_err(|e| format!("JWKS is not valid JSON: {e}"))?;
        *self.keys.write().await = Some((set, Instant::now()));
        *self.last_fetch_attempt.write().await = Some((Instant::now(), true));
        Ok(())
    }

    async fn key_for(&self, kid: Option<&str>) -> Result<DecodingKey, Refusal> {
        for attempt in 0..2 {
            {
                let guard = self.keys.read().await;
                if let Some((set, at)) = &*guard {
                    if at.elapsed() < JWKS_MAX_AGE {
                        let jwk = match kid {
                            Some(kid) => set.find(kid),
                            None if set.keys.len() == 1 => set.keys.first(),
                            None => None,
                        };
                        if let Some(jwk) = jwk {
                            return DecodingKey::from_jwk(jwk)
                                .map_err(|e| Refusal::Invalid(format!("unusable JWK: {e}")));
                        }
                    }
                }
            }
            if attempt == 0 {
                if let Err(e) = self.fetch().await {
                    // Not the token's fault: it cannot be checked until the keys come back.
                    tracing::warn!(error = %e, "JWKS refresh failed");
                    return Err(Refusal::KeysUnavailable);
                }
            }
        }
        Err(Refusal::Invalid(
            "the token's key id is not among the identity provider's keys".into(),
        ))
    }
}

/// Verifies tokens; one per process, shared by all workers.
pub struct Authenticator {
    keys: KeySource,
    issuer: String,
    audience: String,
}

impl Authenticator {
    pub fn new(keys: KeySource, issuer: String, audience: String) -> Self {
        Self {
            keys,
            issuer,
            audience,
        }
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut v = Validation::new(algorithm);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        v.validate_nbf = true;
        v.leeway = 30;
        v
    }

    /// Checks the signature, algorithm, time, issuer and audience, then the role's scope.
    pub async fn verify(&self, token: &str) -> Result<Caller, Refusal> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
        let (key, algorithm) = match &self.keys {
            KeySource::Secret(secret) => (DecodingKey::from_secret(secret), Algorithm::HS256),
            KeySource::PublicKey { key, algorithm } => (key.clone(), *algorithm),
            KeySource::Jwks(cache) => {
                if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
                    return Err(format!("algorithm {:?} is not accepted", header.alg).into());
                }
                (cache.key_for(header.kid.as_deref()).await?, header.alg)
            }
        };
        if header.alg != algorithm {
            return Err(format!("algorithm {:?} is not accepted", header.alg).into());
        }
        let data = jsonwebtoken::decode::<Claims>(token, &key, &self.validation(algorithm))
            .map_err(|e| format!("invalid token: {e}"))?;
        let claims = data.claims;
        if claims.sub.trim().is_empty() {
            return Err(Refusal::Invalid("the token has an empty subject".into()));
        }
        let role: Role = claims
            .role
            .parse()
            .map_err(|e| format!("claim `role`: {e}"))?;
        let scope = scope_for(
            role,
            ScopeClaims {
                area: claims.area.as_deref(),
                provider_id: claims.provider_id.as_deref(),
                court: claims.court.as_deref(),
            },
        )
        .map_err(Refusal::Invalid)?;
        Ok(Caller {
            sub: claims.sub,
            role,
            scope,
        })
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: String,
    pub role: Role,
    pub scope: Scope,
}

impl Caller {
    /// 403 unless the caller has one of `roles` ([`access::require`]).
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        Ok(access::require(self.role, roles)?)
    }

    /// The provider a provider's token acts for; 403 for every other role.
    pub fn provider_id(&self) -> Result<&str, ApiError> {
        Ok(access::own_provider(self.role, &self.scope)?)
    }

    /// The context of a use case the caller calls at `now` (the request's time).
    pub fn at(&self, now: chrono::DateTime<chrono::Utc>) -> access::Caller {
        access::Caller::new(&self.sub, self.role, self.scope.clone(), now)
    }

    /// The role and the area or provider the caller acts for, e.g. `provider:prv_…`;
    /// with `sub`, the caller's whole identity (idempotency keys are kept per identity).
    pub fn scope_key(&self) -> String {
        match &self.scope {
            Scope::Area(area) => format!("{}:area:{area}", self.role),
            Scope::Provider(id) => format!("{}:provider:{id}", self.role),
            Scope::Court(court) => format!("{}:court:{court}", self.role),
            Scope::Hub => format!("{}:hub", self.role),
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            sub: self.sub.clone(),
            role: self.role.as_str().to_owned(),
        }
    }
}

/// The outcome of checking a request's token, kept in the request so the token is checked
/// once (by the write limit, then by the handler's extractor).
#[derive(Clone)]
struct Checked(Result<Caller, ApiError>);

/// The caller of a request, its token checked once per request; later calls answer the same.
pub async fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let known = req.extensions().get::<Checked>().cloned();
    if let Some(Checked(outcome)) = known {
        return outcome;
    }
    let outcome = check(req).await;
    req.extensions_mut().insert(Checked(outcome.clone()));
    outcome
}

async fn check(req: &HttpRequest) -> Result<Caller, ApiError> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Err(ApiError::internal());
    };
    let token = match req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .map(|v| v.to_str())
    {
        None => {
            return Err(ApiError::unauthorized(
                "an Authorization: Bearer token is required",
            ))
        }
        Some(Err(_)) => {
            return Err(ApiError::unauthorized(
                "the Authorization header is not readable",
            ))
        }
        Some(Ok(value)) => match value.split_once(' ') {
            Some((scheme, token))
                if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
            {
                token.trim().to_owned()
            }
            _ => {
                return Err(ApiError::unauthorized(
                    "the Authorization header must be `Bearer <token>`",
                ))
            }
        },
    };
    let authenticator: Arc<Authenticator> = state.auth.clone();
    authenticator.verify(&token).await.map_err(|refusal| {
        tracing::debug!(?refusal, "token refused");
        ApiError::from(refusal)
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}
