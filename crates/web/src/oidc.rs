//! Sign-in through an OpenID Connect identity provider: the authorization-code flow with
//! PKCE and a nonce (the `openidconnect` crate). The role and its `area` / `provider_id`
//! scope come from configured claims of the verified ID token, as the API reads them
//! from its tokens; nothing is signed in unless every check passes.

use std::time::Duration;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{CoreClient, CoreProviderMetadata, CoreResponseType};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, HttpRequest, HttpResponse as OidcHttpResponse, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, TokenResponse,
};
use provider_hub_domain::Role;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::page::{render_status, see_other, Layout, WebError};
use crate::session::{self, StoredPerson};
use crate::WebState;

/// `HUB_OIDC_*`.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_url: String,
    pub role_claim: String,
    pub area_claim: String,
    pub provider_claim: String,
}

type Rp = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The relying party: the settings, and the provider's metadata once discovered (on the
/// first sign-in, so the hub starts while the identity provider is down).
pub struct Client {
    settings: OidcSettings,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: reqwest::Client,
    rp: OnceCell<Rp>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpFailure(String);

impl Client {
    pub fn new(settings: OidcSettings) -> Result<Self, String> {
        let issuer =
            IssuerUrl::new(settings.issuer.clone()).map_err(|e| format!("HUB_OIDC_ISSUER: {e}"))?;
        let redirect = RedirectUrl::new(settings.redirect_url.clone())
            .map_err(|e| format!("HUB_OIDC_REDIRECT_URL: {e}"))?;
        // No redirects: an identity provider's endpoints answer directly (no SSRF hops).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("cannot build the OpenID Connect client: {e}"))?;
        Ok(Self {
            settings,
            issuer,
            redirect,
            http,
            rp: OnceCell::new(),
        })
    }

    async fn send(&self, request: HttpRequest) -> Result<OidcHttpResponse, HttpFailure> {
        let (parts, body) = request.into_parts();
        let response = self
            .http
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .map_err(|e| HttpFailure(e.to_string()))?;
        let mut builder = openidconnect::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| HttpFailure(e.to_string()))?;
        builder
            .body(bytes.to_vec())
            .map_err(|e| HttpFailure(e.to_string()))
    }

    /// The relying party, discovering the provider's metadata the first time.
    async fn rp(&self) -> Result<&Rp, WebError> {
        self.rp
            .get_or_try_init(|| async {
                let http = |r| self.send(r);
                let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &http)
                    .await
                    .map_err(|e| {
                        tracing::warn!(error = %e, issuer = %self.settings.issuer, "OpenID Connect discovery failed");
                        WebError::IdentityProvider(format!(
                            "the identity provider at {} could not be reached or did not describe itself ({e})",
                            self.settings.issuer
                        ))
                    })?;
                Ok(CoreClient::from_provider_metadata(
                    metadata,
                    ClientId::new(self.settings.client_id.clone()),
                    Some(ClientSecret::new(self.settings.client_secret.clone())),
                )
                .set_redirect_uri(self.redirect.clone()))
            })
            .await
    }
}

/// What the session holds between leaving for the identity provider and coming back.
#[derive(Serialize, Deserialize)]
struct Pending {
    state: String,
    nonce: String,
    verifier: String,
}

const PENDING: &str = "oidc_pending";

/// Leaves for the identity provider with a fresh state, nonce and PKCE challenge.
pub async fn begin(client: &Client, session: &Session) -> Result<HttpResponse, WebError> {
    let rp = client.rp().await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = rp
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let pending = Pending {
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
    };
    session.insert(PENDING, &pending).map_err(|e| {
        tracing::error!(error = %e, "cannot write the session");
        WebError::Internal
    })?;
    Ok(see_other(url.as_str()))
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Template)]
#[template(path = "sign_in_refused.html")]
struct RefusedPage {
    layout: Layout,
    reason: String,
}

/// The refusal page: nothing is signed in.
fn refused(session: &Session, reason: impl Into<String>) -> Result<HttpResponse, WebError> {
    let reason = reason.into();
    tracing::info!(%reason, "web sign-in refused");
    session::sign_out(session);
    render_status(
        &RefusedPage {
            layout: Layout::public("You could not be signed in", String::new()),
            reason,
        },
        StatusCode::FORBIDDEN,
    )
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The claims of a verified ID token, as JSON (its signature is checked before this runs).
fn payload(jwt: &str) -> Option<serde_json::Value> {
    let middle = jwt.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(middle).ok()?).ok()
}

fn text_claim(claims: &serde_json::Value, name: &str) -> Option<String> {
    claims
        .get(name)
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// `/sign-in/callback`: checks the state, exchanges the code (with the PKCE verifier),
/// verifies the ID token (signature, issuer, audience, expiry, nonce) and signs in.
pub async fn callback(
    state: web::Data<WebState>,
    session: Session,
    query: web::Query<Callback>,
) -> Result<HttpResponse, WebError> {
    let Some(client) = &state.oidc else {
        return Err(WebError::NotFound);
    };
    // Taken out at once: a callback is good for one try.
    let pending = session.remove_as::<Pending>(PENDING).and_then(Result::ok);
    let Some(pending) = pending else {
        return refused(
            &session,
            "This sign-in has expired or was already used. Start again.",
        );
    };
    if let Some(error) = &query.error {
        return refused(
            &session,
            format!(
                "The identity provider refused the sign-in: {error}{}",
                query
                    .error_description
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ),
        );
    }
    if !query
        .state
        .as_deref()
        .is_some_and(|s| same(s, &pending.state))
    {
        return refused(
            &session,
            "The sign-in's state does not match this browser's: start again.",
        );
    }
    let Some(code) = query.code.clone() else {
        return refused(
            &session,
            "The identity provider sent no authorization code.",
        );
    };
    let rp = client.rp().await?;
    let http = |r| client.send(r);
    let exchange = match rp.exchange_code(AuthorizationCode::new(code)) {
        Ok(request) => request,
        Err(e) => {
            return refused(
                &session,
                format!("The identity provider has no token endpoint: {e}"),
            )
        }
    };
    let tokens = match exchange
        .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
        .request_async(&http)
        .await
    {
        Ok(tokens) => tokens,
        Err(e) => {
            return refused(
                &session,
                format!("The identity provider would not exchange the code: {e}"),
            )
        }
    };
    let Some(id_token) = tokens.id_token() else {
        return refused(&session, "The identity provider sent no ID token.");
    };
    let verified = id_token.claims(&rp.id_token_verifier(), &Nonce::new(pending.nonce));
    let sub = match verified {
        Ok(claims) => claims.subject().as_str().to_owned(),
        Err(e) => return refused(&session, format!("The ID token is not valid: {e}")),
    };
    let Some(claims) = payload(&id_token.to_string()) else {
        return refused(&session, "The ID token could not be read.");
    };
    let settings = &client.settings;
    let Some(role) = text_claim(&claims, &settings.role_claim) else {
        return refused(
            &session,
            format!(
                "The ID token has no `{}` claim naming a role of the hub.",
                settings.role_claim
            ),
        );
    };
    let name = text_claim(&claims, "name")
        .or_else(|| text_claim(&claims, "preferred_username"))
        .unwrap_or_else(|| sub.clone());
    let person = StoredPerson {
        sub,
        role,
        area: text_claim(&claims, &settings.area_claim),
        provider_id: text_claim(&claims, &settings.provider_claim),
        court: text_claim(&claims, "court"),
        name,
    };
    match session::sign_in(&session, &person, state.now().timestamp()) {
        Ok(()) => {
            let role: Role = person.role.parse().map_err(WebError::Forbidden)?;
            Ok(see_other(crate::sign_in::home_of(role)))
        }
        Err(WebError::Forbidden(reason)) => refused(
            &session,
            format!("The ID token's role and scope are not the hub's: {reason}."),
        ),
        Err(e) => Err(e),
    }
}
