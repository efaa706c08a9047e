//! Developer tool: prints a session token for each username given, created in the session
//! store that `MUISTOT_SESSIONS` names (the store the functions use), so that an event from
//! `events/` with a `{{token:<username>}}` placeholder can be invoked locally
//! (`events/invoke.sh` does that). Not deployed; the user needs no password.

use std::process::ExitCode;

use muistot::{sessions::SessionData, state};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let users: Vec<String> = std::env::args().skip(1).collect();
    if users.is_empty() || users.iter().any(|u| u.starts_with('-')) {
        eprintln!(
            "usage: session-token USERNAME…  (uses MUISTOT_SESSIONS and MUISTOT_DATABASE_URL)"
        );
        return ExitCode::from(2);
    }
    let state = match state::from_env().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("session-token: {e}");
            return ExitCode::FAILURE;
        }
    };
    for user in users {
        match state.sessions().create(&SessionData::for_user(&user)).await {
            Ok(key) => println!("{}", muistot::sessions::token::encode(&key)),
            Err(e) => {
                eprintln!("session-token: cannot create a session for {user}: {e:?}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
