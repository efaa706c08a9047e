//! How the template builds and deploys the functions: a crate for each, cargo-lambda arm64
//! bootstraps of 128 MB, the shared environment, API and storage, and least-privilege
//! permissions.

use std::collections::BTreeMap;

use yaml_rust2::Yaml;

use super::{root, template::template, MIGRATE};

/// `functions/<function>` is a crate whose binary has the function's name.
pub(super) fn has_a_function_crate(function: &str) {
    let manifest = root().join("functions").join(function).join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|_| {
        panic!(
            "template.yaml builds Binary {function}, but functions/{function}/Cargo.toml \
             does not exist"
        )
    });
    assert!(
        text.contains(&format!("name = \"{function}\"")),
        "{}: the package must be named {function:?} (the template's Binary)",
        manifest.display()
    );
}

#[test]
fn migrate_has_a_function_crate() {
    has_a_function_crate(MIGRATE);
}

#[test]
fn every_function_is_a_cargo_lambda_arm64_bootstrap() {
    let t = template();
    for f in &t.functions {
        let id = &f.logical_id;
        assert_eq!(
            f.resource["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{id}"
        );
        assert_eq!(
            t.effective(f, "Runtime").as_str(),
            Some("provided.al2023"),
            "{id}"
        );
        assert_eq!(
            t.effective(f, "Handler").as_str(),
            Some("bootstrap"),
            "{id}"
        );
        assert_eq!(
            t.effective(f, "Architectures"),
            &Yaml::Array(vec![Yaml::String("arm64".into())]),
            "{id}"
        );
        // 128 MB, directly or as a parameter (`!Ref X` reads as "X") whose default is 128.
        let memory = match t.effective(f, "MemorySize") {
            Yaml::String(param) => t.parameter_default(param).as_i64(),
            other => other.as_i64(),
        };
        assert_eq!(memory, Some(128), "{id}: MemorySize");
    }
}

#[test]
fn environment_api_and_storage_follow_the_design() {
    let t = template();
    let env = &t.doc["Globals"]["Function"]["Environment"]["Variables"];
    for var in [
        "MUISTOT_DATABASE_URL",
        "MUISTOT_SESSIONS",
        "MUISTOT_SESSION_LIFETIME",
        "MUISTOT_MAIL",
        "MUISTOT_MAIL_FROM",
        "MUISTOT_LOGIN_URL",
        "MUISTOT_IMAGES",
        "MUISTOT_AUTO_PUBLISH",
        "MUISTOT_REPORT_HIDE_THRESHOLD",
        "MUISTOT_POSTING_LIMITS",
        "MUISTOT_POSTING_WINDOW",
        "MUISTOT_TRUSTED_PROXIES",
        "MUISTOT_CORS_ORIGINS",
    ] {
        assert!(!env[var].is_badvalue(), "Globals environment lacks {var}");
    }
    assert_eq!(
        env["AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"].as_str(),
        Some("true")
    );
    assert_eq!(env["MUISTOT_MAIL"].as_str(), Some("ses"));
    assert_eq!(
        env["MUISTOT_SESSIONS"].as_str(),
        Some("dynamodb://${SessionsTable}")
    );
    assert_eq!(env["MUISTOT_IMAGES"].as_str(), Some("s3://${ImagesBucket}"));
    // Through the proxy when it is on, else straight to the database; the password from
    // Secrets Manager either way. (`!If [condition, then, else]` reads as that list.)
    let url = &env["MUISTOT_DATABASE_URL"];
    assert_eq!(url[0].as_str(), Some("UseDatabaseProxy"));
    let (proxied, direct) = (
        url[1].as_str().expect("!Sub string"),
        url[2].as_str().expect("!Sub string"),
    );
    for url in [proxied, direct] {
        assert!(
            url.starts_with("mysql://${DatabaseUser}:{{resolve:secretsmanager:${DatabaseSecret}:"),
            "the password must come from Secrets Manager, not the template: {url}"
        );
    }
    assert!(
        proxied.contains("@${DatabaseProxy.Endpoint}:3306/")
            && proxied.ends_with("?require_ssl=true"),
        "the proxy's endpoint, over TLS: {proxied}"
    );
    assert!(
        direct.contains("@${DatabaseHost}:${DatabasePort}/"),
        "{direct}"
    );
    // The database's CA bundle, when given and the connection is direct, from a layer;
    // unset otherwise.
    let ca = &env["MUISTOT_DATABASE_CA"];
    assert_eq!(
        (ca[0].as_str(), ca[1].as_str()),
        (Some("UseDatabaseCa"), Some("DatabaseCaFile"))
    );
    // Each instance's pool is bounded by a parameter, by default a Lambda instance's need.
    assert_eq!(env["MUISTOT_DB_POOL_MAX"].as_str(), Some("DatabasePoolMax"));
    assert_eq!(
        t.parameter_default("DatabasePoolMax").as_i64(),
        Some(muistot::config::LAMBDA_POOL_MAX as i64)
    );
    assert_eq!(
        env["MUISTOT_DB_IDLE_TIMEOUT"].as_str(),
        Some("DatabaseIdleTimeout")
    );
    let layers = &t.doc["Globals"]["Function"]["Layers"];
    assert_eq!(layers[0].as_str(), Some("HasDatabaseCaLayer"));
    assert_eq!(layers[1][0].as_str(), Some("DatabaseCaLayer"));
    // Functions in the VPC only when subnets are given.
    assert!(t.doc["Globals"]["Function"]["VpcConfig"].as_vec().is_some());

    let res = &t.doc["Resources"];
    // The optional proxy: only with its condition, TLS required, the secret's credentials.
    for id in [
        "DatabaseProxy",
        "DatabaseProxyTargetGroup",
        "DatabaseProxyRole",
    ] {
        assert_eq!(
            res[id]["Condition"].as_str(),
            Some("UseDatabaseProxy"),
            "{id}"
        );
    }
    let proxy = &res["DatabaseProxy"]["Properties"];
    assert_eq!(proxy["EngineFamily"].as_str(), Some("MYSQL"));
    assert_eq!(proxy["RequireTLS"].as_bool(), Some(true));
    assert_eq!(
        proxy["Auth"][0]["SecretArn"].as_str(),
        Some("DatabaseSecret")
    );
    assert_eq!(
        res["DatabaseProxyTargetGroup"]["Properties"]["ConnectionPoolConfigurationInfo"]
            ["MaxConnectionsPercent"]
            .as_str(),
        Some("DatabaseProxyMaxConnectionsPercent")
    );
    let cors = &res["HttpApi"]["Properties"]["CorsConfiguration"];
    let exposed: Vec<String> = cors["ExposeHeaders"]
        .as_vec()
        .expect("ExposeHeaders")
        .iter()
        .filter_map(|h| h.as_str().map(str::to_ascii_lowercase))
        .collect();
    for h in ["authorization", "location", "link", "content-disposition"] {
        assert!(
            exposed.iter().any(|e| e == h),
            "{h} not exposed: {exposed:?}"
        );
    }
    assert_eq!(cors["AllowOrigins"].as_str(), Some("CorsOrigins"));

    let table = &res["SessionsTable"]["Properties"];
    assert_eq!(
        table["KeySchema"][0]["AttributeName"].as_str(),
        Some("token")
    );
    let attrs: BTreeMap<&str, &str> = table["AttributeDefinitions"]
        .as_vec()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap(),
                a["AttributeType"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(attrs, BTreeMap::from([("token", "S"), ("user", "S")]));
    let gsi = &table["GlobalSecondaryIndexes"][0];
    assert_eq!(gsi["IndexName"].as_str(), Some("by-user"));
    assert_eq!(gsi["KeySchema"][0]["AttributeName"].as_str(), Some("user"));
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some("expires_at")
    );
    assert_eq!(
        res["ImagesBucket"]["Type"].as_str(),
        Some("AWS::S3::Bucket")
    );
    // Kept exports expire (docs/api-conventions.md#export); images never do.
    let rules = res["ImagesBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
        .as_vec()
        .expect("lifecycle rules of the image bucket");
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["Status"].as_str(), Some("Enabled"));
    assert_eq!(rules[0]["Prefix"].as_str(), Some("exports/"));
    assert_eq!(rules[0]["ExpirationInDays"].as_i64(), Some(1));
    // The HTTP API's URL, or the CDN's in front of it (packaging/cdn.rs).
    assert!(t.doc["Outputs"]["OriginUrl"]["Value"]
        .as_str()
        .is_some_and(|v| v.contains("${HttpApi}.execute-api")));
}

/// What each function may do beyond logging: the sessions table for authentication, plus
/// only what its routes use.
#[test]
fn permissions_are_least_privilege() {
    let t = template();
    let expected: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("common", &["sessions:auth"][..]),
        (
            "images",
            &["sessions:auth", "s3:GetObject", "s3:ListBucket"][..],
        ),
        (
            "login",
            &["sessions:auth", "sessions:manage", "ses:SendEmail"][..],
        ),
        // Kept exports: aborting their upload, reading them back (the presigned URL is
        // signed with its role).
        (
            "projects",
            &[
                "sessions:auth",
                "images:write",
                "s3:GetObject",
                "s3:AbortMultipartUpload",
            ][..],
        ),
        ("sites", &["sessions:auth", "images:write"][..]),
        ("memories", &["sessions:auth", "images:write"][..]),
        ("comments", &["sessions:auth"][..]),
        // The account deletion mails its link and deletes the account's images; a large
        // account export is kept under exports/.
        (
            "me",
            &[
                "sessions:auth",
                "sessions:manage",
                "ses:SendEmail",
                "s3:DeleteObject",
                "s3:PutObject",
                "s3:GetObject",
                "s3:AbortMultipartUpload",
            ][..],
        ),
        ("admin", &["sessions:auth"][..]),
        (MIGRATE, &[][..]),
    ]);
    let managed = BTreeMap::from([
        ("SessionsAuthPolicy", "sessions:auth"),
        ("SessionsManagePolicy", "sessions:manage"),
        ("ImagesWritePolicy", "images:write"),
    ]);
    // The managed policies grant exactly this.
    let actions = |policy: &str| -> Vec<String> {
        t.doc["Resources"][policy]["Properties"]["PolicyDocument"]["Statement"]
            .as_vec()
            .expect("statements")
            .iter()
            .flat_map(|s| match &s["Action"] {
                Yaml::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .map(String::from)
                    .collect(),
                Yaml::String(a) => vec![a.clone()],
                _ => vec![],
            })
            .collect()
    };
    assert_eq!(
        actions("SessionsAuthPolicy"),
        ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    );
    assert_eq!(
        actions("SessionsManagePolicy"),
        ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    );
    assert_eq!(
        actions("ImagesWritePolicy"),
        ["s3:PutObject", "s3:DeleteObject"]
    );
    for f in &t.functions {
        let mut got = Vec::new();
        for p in f.resource["Properties"]["Policies"]
            .as_vec()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            match p {
                Yaml::String(name) => got.push(
                    managed
                        .get(name.as_str())
                        .unwrap_or_else(|| panic!("{}: unexpected policy {name}", f.logical_id))
                        .to_string(),
                ),
                Yaml::Hash(_) => {
                    for s in p["Statement"].as_vec().expect("inline statements") {
                        match &s["Action"] {
                            Yaml::String(a) => got.push(a.clone()),
                            Yaml::Array(a) => {
                                got.extend(a.iter().filter_map(|x| x.as_str()).map(String::from))
                            }
                            other => panic!("{}: odd Action {other:?}", f.logical_id),
                        }
                    }
                }
                other => panic!("{}: odd policy {other:?}", f.logical_id),
            }
        }
        let want: Vec<String> = expected[f.binary.as_str()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(got, want, "{} ({}) permissions", f.logical_id, f.binary);
    }
    // The projects function reads and aborts the exports it keeps, no other object.
    let projects = t.function("projects").expect("projects function");
    let inline: Vec<&str> = projects.resource["Properties"]["Policies"]
        .as_vec()
        .expect("policies")
        .iter()
        .filter_map(|p| p["Statement"].as_vec())
        .flatten()
        .filter_map(|s| s["Resource"].as_str())
        .collect();
    assert_eq!(inline, ["${ImagesBucket.Arn}/exports/*"]);
}
