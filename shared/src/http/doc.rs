//! What the route annotations share in the OpenAPI document: the path and header
//! parameters (`params`) and the response sets every operation lists (`responses`).

pub mod params;
pub mod responses;
