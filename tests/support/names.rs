//! Names unique within a test run, so tests that share the run's database keep apart.

/// `len` random hexadecimal digits.
pub fn random_hex(len: usize) -> String {
    uuid::Uuid::new_v4().simple().to_string()[..len].to_string()
}

/// A name unique within this run, valid as a project/site id.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", random_hex(12))
}

/// A username valid under the UID rule and unique within the run.
pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}#{}", random_hex(10))
}

/// A new e-mail address, unique within the run.
pub fn new_email(prefix: &str) -> String {
    format!("{}@example.com", unique(prefix))
}
