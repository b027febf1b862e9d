use crate::page::WebError;
use actix_web::HttpResponse;
pub async fn new_assessment() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn record() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn waiting() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn assessment() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn submit() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn countersign() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn reject() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
