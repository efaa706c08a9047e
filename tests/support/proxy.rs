//! A TCP proxy the test controls, to put between the app and a dependency and cut it.

use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc,
    },
};
use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
    sync::watch,
};

const OPEN: u8 = 0;
const CUT: u8 = 1;
const STALL: u8 = 2;

pub struct Proxy {
    pub addr: SocketAddr,
    mode: Arc<AtomicU8>,
    generation: watch::Sender<u64>,
}

impl Proxy {
    /// Listens on 127.0.0.1:0 and forwards every connection to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(AtomicU8::new(OPEN));
        let (generation, _) = watch::channel(0u64);
        let m = mode.clone();
        let gen_tx = generation.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                match m.load(Ordering::SeqCst) {
                    CUT => {
                        let _ = client.shutdown().await;
                        continue;
                    }
                    STALL => {
                        // Accept and say nothing: the peer waits until its own timeout.
                        let mut rx = gen_tx.subscribe();
                        tokio::spawn(async move {
                            let _ = rx.changed().await;
                            drop(client);
                        });
                        continue;
                    }
                    _ => {}
                }
                let mut rx = gen_tx.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        biased;
                        _ = rx.changed() => {}
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    }
                });
            }
        });
        Self {
            addr,
            mode,
            generation,
        }
    }

    /// Drops every open connection and refuses new ones.
    pub async fn cut(&self) {
        self.switch(CUT).await;
    }

    /// Drops open connections; new ones are accepted but never answered.
    pub async fn stall(&self) {
        self.switch(STALL).await;
    }

    /// Forwards again (open connections are dropped).
    pub async fn restore(&self) {
        self.switch(OPEN).await;
    }

    /// Sets how new connections are treated and drops the open ones.
    async fn switch(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
        // Let the forwarding tasks see the change before the test goes on.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
