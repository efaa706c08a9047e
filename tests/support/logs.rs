//! Everything the code under test logs, captured in memory (debug level for our crates)
//! so tests can check that no secret ever reaches the logs.

use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn buffer() -> &'static Buffer {
    static BUF: OnceLock<Buffer> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Buffer::default();
        let writer = buf.clone();
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,muistot=trace,tower_http=debug,hyper=info,h2=info,rustls=info,aws_smithy_runtime=info,aws_config=info",
            ))
            .with_writer(move || writer.clone())
            .try_init();
        buf
    })
}

/// Starts capturing (idempotent); call before spawning the app under test.
pub fn capture() {
    buffer();
}

/// All log output so far.
pub fn text() -> String {
    String::from_utf8_lossy(&buffer().0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
}
