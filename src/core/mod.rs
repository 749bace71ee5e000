//! Vocabulary and small utilities shared by the harness and the reference server.

pub mod scim;
