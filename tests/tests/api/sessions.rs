//! One session-store suite, run against Redis and DynamoDB (moto), and the HTTP-level
//! concurrency test for both.

use std::{collections::HashSet, sync::Arc, time::Duration};

use muistot::sessions::{token, DynamoDbSessionStore, SessionData, SessionGrants, SessionStore};
use muistot_tests::*;

async fn shared_redis_store(lifetime: u64) -> Arc<dyn SessionStore> {
    Arc::new(redis_store(lifetime).await)
}

async fn dynamodb_store(lifetime: u64) -> Arc<dyn SessionStore> {
    let table = dynamodb_table().await;
    Arc::new(DynamoDbSessionStore::new(
        &sdk_config().await,
        table,
        lifetime,
    ))
}

/// The behaviour every store must have.
async fn store_suite(store: Arc<dyn SessionStore>, short_lived: Arc<dyn SessionStore>) {
    let alice = unique_name("alice");
    let bob = unique_name("bob");
    let data = SessionData {
        user: alice.clone(),
        data: SessionGrants {
            scopes: vec!["admin".into()],
            projects: vec!["p1".into()],
        },
    };
    let a1 = store.create(&data).await.unwrap();
    let a2 = store.create(&data).await.unwrap();
    let b1 = store.create(&SessionData::for_user(&bob)).await.unwrap();
    assert_ne!(a1, a2);
    assert_eq!(a1.len(), 38);
    assert!(a1.starts_with(token::KEY_PREFIX));
    assert_eq!(store.touch(&a1).await.unwrap(), Some(data.clone()));
    assert_eq!(store.touch(&b1).await.unwrap().unwrap().user, bob);
    assert_eq!(store.touch(&token::new_key().unwrap()).await.unwrap(), None);

    store.end(&a1, &alice).await.unwrap();
    assert_eq!(store.touch(&a1).await.unwrap(), None);
    assert!(store.touch(&a2).await.unwrap().is_some());
    // ending an ended session is fine
    store.end(&a1, &alice).await.unwrap();

    let a3 = store.create(&data).await.unwrap();
    store.end_all(&alice).await.unwrap();
    assert_eq!(store.touch(&a2).await.unwrap(), None);
    assert_eq!(store.touch(&a3).await.unwrap(), None);
    assert!(
        store.touch(&b1).await.unwrap().is_some(),
        "only alice's sessions end"
    );
    store.end_all(&alice).await.unwrap();

    // sliding expiry: a 2 s lifetime survives while used, ends when idle
    let s = short_lived
        .create(&SessionData::for_user(&bob))
        .await
        .unwrap();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(short_lived.touch(&s).await.unwrap().is_some(), "re-armed");
    }
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(short_lived.touch(&s).await.unwrap(), None, "expired");
    // an expired session is not revived
    assert_eq!(short_lived.touch(&s).await.unwrap(), None);
}

#[tokio::test]
async fn redis_store_suite() {
    store_suite(shared_redis_store(960).await, shared_redis_store(2).await).await;
}

#[tokio::test]
async fn dynamodb_store_suite() {
    store_suite(dynamodb_store(960).await, dynamodb_store(2).await).await;
}

/// 50 parallel logins for one user yield 50 distinct working sessions; "log out
/// everywhere" ends all of them and nobody else's.
async fn parallel_logins(app: TestApp) {
    let (_, name, _, password) = app.password_user("par").await;
    let (_, other, _, other_password) = app.password_user("par2").await;
    let bystander = app.log_in(&other, &other_password).await;
    let app = Arc::new(app);
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let app = app.clone();
            let body = json!({"username": name, "password": password});
            tokio::spawn(async move { app.password_login("/auth/login", body).await })
        })
        .collect();
    let mut tokens = HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        r.assert_status(200);
        tokens.insert(r.session_token());
    }
    println!("50 parallel logins in {:?}", started.elapsed());
    assert_eq!(tokens.len(), 50, "distinct tokens");
    for t in &tokens {
        app.get("/auth/status", Some(t)).await.assert_status(200);
    }
    let one = tokens.iter().next().unwrap().clone();
    app.send(Method::DELETE, "/me/sessions", Some(&one), None)
        .await
        .assert_status(204);
    for t in &tokens {
        app.get("/auth/status", Some(t)).await.assert_status(401);
    }
    app.get("/auth/status", Some(&bystander))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn parallel_logins_with_redis() {
    parallel_logins(TestApp::spawn().await).await;
}

#[tokio::test]
async fn parallel_logins_with_dynamodb() {
    parallel_logins(TestApp::spawn_with(dynamodb_env().await).await).await;
}
