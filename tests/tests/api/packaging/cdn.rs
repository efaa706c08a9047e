//! The optional CloudFront distribution of `template.yaml` (docs/architecture.md#the-cdn):
//! off unless `EnableCdn`, on in prod; a cache key in which a signed-in request never meets
//! a kept anonymous answer and nothing signed-in is ever kept; the API, CORS and the URL
//! output working through it; no edge code.

use std::collections::BTreeSet;

use yaml_rust2::Yaml;

use super::{root, template::template};

const CONDITION: &str = "CdnEnabled";

fn strings(list: &Yaml) -> Vec<String> {
    list.as_vec()
        .map(|v| {
            v.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn lower(list: &[String]) -> BTreeSet<String> {
    list.iter().map(|h| h.to_ascii_lowercase()).collect()
}

fn resource(id: &str) -> &'static Yaml {
    let r = &template().doc["Resources"][id];
    assert!(!r.is_badvalue(), "template.yaml has no resource {id}");
    r
}

/// The headers of a cache or origin request policy's `HeadersConfig`, lower-cased; only a
/// named list is accepted (`allViewer…` would forward Host and X-Forwarded-Host too).
fn listed_headers(config: &Yaml, what: &str) -> BTreeSet<String> {
    assert_eq!(
        config["HeaderBehavior"].as_str(),
        Some("whitelist"),
        "{what}: headers must be listed one by one"
    );
    lower(&strings(&config["Headers"]))
}

fn cache_key_headers() -> BTreeSet<String> {
    let key = &resource("CdnCachePolicy")["Properties"]["CachePolicyConfig"]
        ["ParametersInCacheKeyAndForwardedToOrigin"];
    listed_headers(&key["HeadersConfig"], "CdnCachePolicy")
}

fn origin_request_headers() -> BTreeSet<String> {
    let cfg = &resource("CdnOriginRequestPolicy")["Properties"]["OriginRequestPolicyConfig"];
    listed_headers(&cfg["HeadersConfig"], "CdnOriginRequestPolicy")
}

#[test]
fn the_cdn_is_off_by_default_and_on_in_prod() {
    let t = template();
    let p = &t.doc["Parameters"]["EnableCdn"];
    assert_eq!(p["Default"].as_str(), Some("false"));
    assert_eq!(
        t.doc["Conditions"][CONDITION],
        Yaml::Array(vec![
            Yaml::String("EnableCdn".into()),
            Yaml::String("true".into())
        ]),
        "CdnEnabled: !Equals [!Ref EnableCdn, \"true\"]"
    );
    let mut cloudfront = 0;
    for (id, res) in t.doc["Resources"].as_hash().expect("Resources") {
        if res["Type"]
            .as_str()
            .is_some_and(|ty| ty.starts_with("AWS::CloudFront::"))
        {
            cloudfront += 1;
            assert_eq!(res["Condition"].as_str(), Some(CONDITION), "{id:?}");
        }
    }
    assert_eq!(cloudfront, 3, "a distribution and its two policies");

    let samconfig = std::fs::read_to_string(root().join("samconfig.toml")).expect("samconfig");
    let section = |name: &str| -> String {
        let start = samconfig
            .find(&format!("[{name}]"))
            .unwrap_or_else(|| panic!("samconfig.toml has no [{name}]"));
        let rest = &samconfig[start + name.len() + 2..];
        rest[..rest.find("\n[").unwrap_or(rest.len())].to_string()
    };
    assert!(section("prod.deploy.parameters").contains("\"EnableCdn=true\""));
    assert!(!section("dev.deploy.parameters").contains("EnableCdn"));
}

/// Authorization has to be in the key: CloudFront forwards it to the origin only from a
/// cache policy (an origin request policy that names it is refused). That is also what
/// keeps signed-in requests away from kept anonymous answers. With MinTTL 0 the API's
/// `private, no-store` keeps every answer to such a request out of the cache, so no key
/// that holds a token ever has an entry; DefaultTTL 0 keeps answers without
/// Cache-Control out too.
#[test]
fn no_answer_to_a_signed_in_request_is_kept_or_served_from_the_cache() {
    let cfg = &resource("CdnCachePolicy")["Properties"]["CachePolicyConfig"];
    assert_eq!(
        cfg["MinTTL"].as_i64(),
        Some(0),
        "MinTTL above 0 keeps no-store answers"
    );
    assert_eq!(cfg["DefaultTTL"].as_i64(), Some(0));
    let key = &cfg["ParametersInCacheKeyAndForwardedToOrigin"];
    assert_eq!(
        key["QueryStringsConfig"]["QueryStringBehavior"].as_str(),
        Some("all")
    );
    assert_eq!(
        key["CookiesConfig"]["CookieBehavior"].as_str(),
        Some("none")
    );
    let expected: BTreeSet<String> = ["accept", "accept-language", "authorization", "origin"]
        .map(String::from)
        .into();
    assert_eq!(cache_key_headers(), expected);
    assert!(
        !origin_request_headers().contains("authorization"),
        "CloudFront refuses Authorization in an origin request policy"
    );
}

/// The host of `Location` and `Link` URLs comes from `Host`/`X-Forwarded-Host` (without
/// `MUISTOT_PUBLIC_URL`): a header outside the key that set it would let one viewer's
/// request decide the links in an answer kept for everyone.
#[test]
fn no_viewer_header_outside_the_key_can_change_a_kept_answer() {
    let forwarded = origin_request_headers();
    for h in ["host", "x-forwarded-host", "x-forwarded-proto", "forwarded"] {
        assert!(!forwarded.contains(h), "{h} must not reach the API");
    }
    let cfg = &resource("CdnOriginRequestPolicy")["Properties"]["OriginRequestPolicyConfig"];
    assert_eq!(
        cfg["QueryStringsConfig"]["QueryStringBehavior"].as_str(),
        Some("none"),
        "every query string is in the key already"
    );
    assert_eq!(
        cfg["CookiesConfig"]["CookieBehavior"].as_str(),
        Some("none")
    );
}

#[test]
fn the_distribution_serves_the_whole_api_and_its_cors() {
    let t = template();
    let d = &resource("Cdn")["Properties"]["DistributionConfig"];
    let origins = d["Origins"].as_vec().expect("Origins");
    assert_eq!(origins.len(), 1);
    assert_eq!(
        origins[0]["DomainName"].as_str(),
        Some("${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}")
    );
    assert_eq!(
        origins[0]["CustomOriginConfig"]["OriginProtocolPolicy"].as_str(),
        Some("https-only")
    );
    let b = &d["DefaultCacheBehavior"];
    assert_eq!(b["TargetOriginId"].as_str(), origins[0]["Id"].as_str());
    assert_eq!(b["ViewerProtocolPolicy"].as_str(), Some("https-only"));
    assert_eq!(b["CachePolicyId"].as_str(), Some("CdnCachePolicy"));
    assert_eq!(
        b["OriginRequestPolicyId"].as_str(),
        Some("CdnOriginRequestPolicy")
    );
    assert!(
        d["CacheBehaviors"].is_badvalue(),
        "one behaviour: the API's paths are not told apart by the CDN"
    );
    assert_eq!(strings(&b["CachedMethods"]), ["GET", "HEAD"]);
    // Every method of the route table, and OPTIONS for CORS preflights.
    let allowed: BTreeSet<String> = strings(&b["AllowedMethods"]).into_iter().collect();
    let mut needed: BTreeSet<String> = muistot::routes::table::route_table()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    needed.insert("OPTIONS".into());
    assert!(needed.is_subset(&allowed), "{needed:?} ⊄ {allowed:?}");
    // No code at the edge.
    for key in ["LambdaFunctionAssociations", "FunctionAssociations"] {
        assert!(b[key].is_badvalue(), "{key}");
    }
    // Errors are never kept (API Gateway's own carry no Cache-Control).
    let errors = d["CustomErrorResponses"]
        .as_vec()
        .expect("CustomErrorResponses");
    let unkept: BTreeSet<i64> = errors
        .iter()
        .filter(|e| e["ErrorCachingMinTTL"].as_i64() == Some(0))
        .filter_map(|e| e["ErrorCode"].as_i64())
        .collect();
    for code in [400, 403, 404, 405, 500, 502, 503, 504] {
        assert!(unkept.contains(&code), "{code} may be kept");
    }

    // CORS through the CDN: every header the API allows, the preflight's questions and
    // the Origin its answers depend on reach API Gateway.
    let reaching: BTreeSet<String> = cache_key_headers()
        .union(&origin_request_headers())
        .cloned()
        .collect();
    let cors = &t.doc["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    let mut needed = lower(&strings(&cors["AllowHeaders"]));
    needed.extend(
        [
            "origin",
            "access-control-request-method",
            "access-control-request-headers",
        ]
        .map(String::from),
    );
    assert!(needed.is_subset(&reaching), "{needed:?} ⊄ {reaching:?}");
}

#[test]
fn the_outputs_and_the_api_follow_the_switch() {
    let t = template();
    let url = &t.doc["Outputs"]["ApiUrl"]["Value"];
    assert_eq!(url[0].as_str(), Some(CONDITION));
    assert_eq!(url[1].as_str(), Some("https://${Cdn.DomainName}"));
    assert!(url[2]
        .as_str()
        .is_some_and(|v| v.contains("${HttpApi}.execute-api")));
    let cdn = &t.doc["Outputs"]["CdnUrl"];
    assert_eq!(cdn["Condition"].as_str(), Some(CONDITION));
    assert!(t.doc["Outputs"]["OriginUrl"]["Value"]
        .as_str()
        .is_some_and(|v| v.contains("${HttpApi}.execute-api")));
    // The lifetimes the API writes in Cache-Control are the template's parameters.
    let env = &t.doc["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(env["MUISTOT_CACHE_MAX_AGE"].as_str(), Some("CacheMaxAge"));
    assert_eq!(
        env["MUISTOT_CACHE_SWR"].as_str(),
        Some("CacheStaleWhileRevalidate")
    );
}
