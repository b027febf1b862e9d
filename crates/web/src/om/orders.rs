use crate::page::WebError;
use actix_web::HttpResponse;
pub async fn order() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn cancel_form() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
pub async fn cancel() -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}
