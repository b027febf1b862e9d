//! Minting tokens for local use (`provider-hub token`), signed with the hub's secret.

use chrono::Utc;
use jsonwebtoken::{EncodingKey, Header};
use provider_hub_api::auth::Claims;
use provider_hub_domain::auth::{scope_for, ScopeClaims};
use provider_hub_domain::Role;

use crate::config::Config;

/// What a local token is for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub role: Role,
    pub sub: String,
    pub area: Option<String>,
    pub provider_id: Option<String>,
    pub court: Option<String>,
    pub ttl_seconds: i64,
}

/// The subject of a local token minted without `--sub`: it names the role and the area or
/// provider, so tokens for different scopes never share a subject.
pub fn local_subject(
    role: Role,
    area: Option<&str>,
    provider_id: Option<&str>,
    court: Option<&str>,
) -> String {
    match area.or(provider_id).or(court) {
        Some(scope) => format!("local-{role}-{scope}"),
        None => format!("local-{role}"),
    }
}

/// Signs a token the hub accepts; refuses role/scope combinations the hub would refuse.
pub fn mint(config: &Config, request: &TokenRequest) -> Result<String, String> {
    if !config.uses_shared_secret() {
        return Err(
            "this hub verifies tokens with a public key or JWKS: get tokens from your identity provider"
                .into(),
        );
    }
    scope_for(
        request.role,
        ScopeClaims {
            area: request.area.as_deref(),
            provider_id: request.provider_id.as_deref(),
            court: request.court.as_deref(),
        },
    )?;
    if !(1..=31 * 24 * 3600).contains(&request.ttl_seconds) {
        return Err("the lifetime must be from 1 second to 31 days".into());
    }
    crate::install_crypto();
    let now = Utc::now().timestamp();
    let claims = Claims {
        sub: request.sub.clone(),
        role: request.role.as_str().to_owned(),
        exp: now + request.ttl_seconds,
        iat: now,
        iss: config.jwt_issuer.clone(),
        aud: config.jwt_audience.clone(),
        nbf: None,
        area: request.area.clone(),
        provider_id: request.provider_id.clone(),
        court: request.court.clone(),
    };
    let secret = config.shared_secret()?;
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(&secret),
    )
    .map_err(|e| format!("cannot sign the token: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_subject_names_the_scope() {
        assert_eq!(
            local_subject(Role::Provider, None, Some("prv_1"), None),
            "local-provider-prv_1"
        );
        assert_eq!(
            local_subject(Role::OffenderManager, Some("SY-SHF"), None, None),
            "local-offender_manager-SY-SHF"
        );
        assert_eq!(
            local_subject(Role::Quality, None, None, None),
            "local-quality"
        );
        assert_eq!(
            local_subject(Role::Analyst, None, None, None),
            "local-analyst"
        );
        assert_ne!(
            local_subject(Role::Provider, None, Some("prv_1"), None),
            local_subject(Role::Provider, None, Some("prv_2"), None)
        );
    }
}
