//! The HTTP side: where requests go ([`target`]), how they are sent and what comes back
//! ([`client`]), and OAuth 2.0 client-credentials tokens ([`oauth`]).

pub mod client;
pub mod form;
pub mod oauth;
pub mod target;

pub use client::{ClientConfig, ClientError, Request, Response, ScimClient, TransportError};
pub use form::form_encode;
pub use target::{Target, TargetError};
