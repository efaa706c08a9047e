//! The Redis layout of the original server (docs/api-conventions.md#sessions) without
//! its stale index (docs/compatibility.md#per-user-session-indexes-hold-no-stale-tokens),
//! against the real Redis.

use std::time::Duration;

use muistot::sessions::{token, SessionData, SessionStore};
use muistot_tests::*;
use redis::AsyncCommands;

async fn raw() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

#[tokio::test]
async fn layout_is_compatible_with_the_original() {
    let s = redis_store(960).await;
    let user = unique("layout");
    let key = s.create(&SessionData::for_user(&user)).await.unwrap();
    assert!(key.starts_with(b"token:") && key.len() == 38);
    let mut r = raw().await;
    let value: String = r.get(&key).await.unwrap();
    let json: Value = serde_json::from_str(&value).unwrap();
    assert_eq!(json["user"], user.as_str());
    assert!(json["data"]["scopes"].is_array() && json["data"]["projects"].is_array());
    let ttl: i64 = r.ttl(&key).await.unwrap();
    assert!((950..=960).contains(&ttl), "{ttl}");
    let members: Vec<Vec<u8>> = r.smembers(format!("user:{user}")).await.unwrap();
    assert_eq!(members, vec![key.clone()]);
    // the client token decodes back to the store key
    assert_eq!(token::decode(&token::encode(&key)).unwrap(), key);
}

#[tokio::test]
async fn expiry_slides_with_use_and_ends_without_it() {
    let s = redis_store(2).await;
    let key = s
        .create(&SessionData::for_user(unique("slide")))
        .await
        .unwrap();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert!(
            s.touch(&key).await.unwrap().is_some(),
            "used within the lifetime: still alive"
        );
    }
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert!(s.touch(&key).await.unwrap().is_none());
}

#[tokio::test]
async fn end_and_end_all() {
    let s = redis_store(960).await;
    let user = unique("purge");
    let a = s.create(&SessionData::for_user(&user)).await.unwrap();
    let b = s.create(&SessionData::for_user(&user)).await.unwrap();
    let other = s
        .create(&SessionData::for_user(unique("bystander")))
        .await
        .unwrap();
    s.end(&a, &user).await.unwrap();
    assert!(s.touch(&a).await.unwrap().is_none());
    assert!(s.touch(&b).await.unwrap().is_some());
    s.end_all(&user).await.unwrap();
    assert!(s.touch(&b).await.unwrap().is_none());
    assert!(s.touch(&other).await.unwrap().is_some());
}

/// A key in a user's index that now belongs to someone else (a stale entry whose key
/// was re-issued) is not deleted by the first user's "log out everywhere".
#[tokio::test]
async fn end_all_deletes_only_the_users_own_keys() {
    let s = redis_store(960).await;
    let alice = unique("alice");
    let bob = unique("bob");
    s.create(&SessionData::for_user(&alice)).await.unwrap();
    let bobs = s.create(&SessionData::for_user(&bob)).await.unwrap();
    let mut r = raw().await;
    let _: () = r.sadd(format!("user:{alice}"), &bobs).await.unwrap();
    s.end_all(&alice).await.unwrap();
    assert!(s.touch(&bobs).await.unwrap().is_some());
}

/// Stale index entries are pruned, and the index expires with the last session.
#[tokio::test]
async fn index_does_not_keep_stale_keys() {
    let s = redis_store(960).await;
    let user = unique("stale");
    let mut r = raw().await;
    let _: () = r
        .sadd(format!("user:{user}"), b"token:expired-long-ago".as_slice())
        .await
        .unwrap();
    let key = s.create(&SessionData::for_user(&user)).await.unwrap();
    let members: Vec<Vec<u8>> = r.smembers(format!("user:{user}")).await.unwrap();
    assert_eq!(members, vec![key]);
    let ttl: i64 = r.ttl(format!("user:{user}")).await.unwrap();
    assert!(ttl > 0 && ttl <= 960, "index ttl {ttl}");
}

#[tokio::test]
async fn fifty_sessions_are_distinct() {
    let s = std::sync::Arc::new(redis_store(960).await);
    let user = unique("many");
    let mut handles = Vec::new();
    for _ in 0..50 {
        let s = s.clone();
        let u = user.clone();
        handles.push(tokio::spawn(async move {
            s.create(&SessionData::for_user(u)).await.unwrap()
        }));
    }
    let mut keys = std::collections::HashSet::new();
    for h in handles {
        keys.insert(h.await.unwrap());
    }
    assert_eq!(keys.len(), 50);
    s.end_all(&user).await.unwrap();
    for k in keys {
        assert!(s.touch(&k).await.unwrap().is_none());
    }
}
