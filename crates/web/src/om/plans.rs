use crate::page::WebError;
use actix_web::HttpResponse;
pub async fn plan() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn approve() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn bought() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
