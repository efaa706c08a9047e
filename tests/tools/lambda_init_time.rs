//! Measures a function's cold start on this machine: from spawning its `bootstrap` to its
//! first answered event, through a minimal emulator of the Lambda Runtime API (the HTTP API
//! the Lambda service offers the process: `GET …/invocation/next`, `POST …/response`).
//! Prints each run and the median; the process inherits this environment (MUISTOT_* …).
//!
//! usage: lambda-init-time BINARY EVENT.json [RUNS]     (RUNS defaults to 20)
//!
//! "init" is spawn → the first `next` request (the state is built: pool, session store,
//! one database round trip); "first event" is spawn → the event's response received.

use std::{
    process::{ExitCode, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue},
    routing::{get, post},
    Router,
};
use tokio::sync::Notify;

struct Run {
    event: String,
    function: String,
    next_at: Mutex<Option<Instant>>,
    answer: Mutex<Option<(Instant, String)>>,
    done: Notify,
}

async fn next(State(run): State<Arc<Run>>) -> (HeaderMap, String) {
    let first = {
        let mut at = run.next_at.lock().expect("lock");
        let first = at.is_none();
        if first {
            *at = Some(Instant::now());
        }
        first
    };
    if !first {
        // One event per run: hold the runtime's next poll until the process is stopped.
        std::future::pending::<()>().await;
    }
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + 30_000;
    let mut h = HeaderMap::new();
    let mut set = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    set("lambda-runtime-aws-request-id", "init-time-1".into());
    set("lambda-runtime-deadline-ms", deadline.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        format!(
            "arn:aws:lambda:eu-north-1:123456789012:function:{}",
            run.function
        ),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
    );
    (h, run.event.clone())
}

async fn answered(State(run): State<Arc<Run>>, body: String) -> &'static str {
    *run.answer.lock().expect("lock") = Some((Instant::now(), body));
    run.done.notify_one();
    "{}"
}

async fn measure_once(binary: &str, event: &str) -> Result<(Duration, Duration, String), String> {
    // target/lambda/<name>/bootstrap or target/release/<name>
    let path = std::path::Path::new(binary);
    let function = match path.file_name().map(|n| n.to_string_lossy().to_string()) {
        Some(n) if n == "bootstrap" => path.parent().and_then(|p| p.file_name()),
        _ => path.file_name(),
    }
    .map_or_else(|| "function".into(), |n| n.to_string_lossy().to_string());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let run = Arc::new(Run {
        event: event.to_string(),
        function: function.clone(),
        next_at: Mutex::new(None),
        answer: Mutex::new(None),
        done: Notify::new(),
    });
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(answered),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(answered))
        .route("/2018-06-01/runtime/init/error", post(answered))
        .with_state(run.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &function)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function}"),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "init-time")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {binary}: {e}"))?;
    let waited = tokio::time::timeout(Duration::from_secs(30), run.done.notified()).await;
    let _ = child.kill().await;
    server.abort();
    waited.map_err(|_| "no answer within 30 s".to_string())?;
    let next_at = run.next_at.lock().expect("lock").ok_or("no next request")?;
    let (answer_at, body) = run
        .answer
        .lock()
        .expect("lock")
        .clone()
        .ok_or("no answer")?;
    let status = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["statusCode"].as_u64())
        .map_or_else(|| format!("error: {body}"), |s| s.to_string());
    Ok((next_at - started, answer_at - started, status))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(binary), Some(event_file)) = (args.first(), args.get(1)) else {
        eprintln!("usage: lambda-init-time BINARY EVENT.json [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(20);
    let event = match std::fs::read_to_string(event_file) {
        Ok(e) if !e.contains("{{token:") => e,
        Ok(_) => {
            eprintln!("lambda-init-time: use an event without a {{{{token:…}}}} placeholder");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("lambda-init-time: {event_file}: {e}");
            return ExitCode::from(2);
        }
    };
    let (mut inits, mut firsts) = (Vec::new(), Vec::new());
    for i in 1..=runs {
        match measure_once(binary, &event).await {
            Ok((init, first, status)) => {
                println!(
                    "run {i:>2}: init {:>9}  first event {:>9}  status {status}",
                    ms(init),
                    ms(first)
                );
                inits.push(init);
                firsts.push(first);
            }
            Err(e) => {
                eprintln!("run {i}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "median of {runs}: init {}, first event {} (min {}, max {})",
        ms(median(inits)),
        ms(median(firsts.clone())),
        ms(*firsts.iter().min().expect("runs")),
        ms(*firsts.iter().max().expect("runs"))
    );
    ExitCode::SUCCESS
}
