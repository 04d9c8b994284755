//! Routing both ways: per segment (default) and Starlette-style.

use super::Client;
use crate::JobState;
use crate::api::Endpoint;
use crate::mock::personality::{Personality, Routing};
use crate::mock::routing::{Routed, nearest, route};
use crate::mock::{MockApi, UnmatchedRequest};

fn to(endpoint: Endpoint, id: &str) -> Routed {
    Routed::To(endpoint, id.to_owned())
}

#[test]
fn segments_decode_each_segment_on_its_own() {
    let r = |m: &str, p: &str| route(m, p, Routing::Segments);
    assert_eq!(r("POST", "/api/v1/tam/build"), to(Endpoint::Submit, ""));
    assert_eq!(r("GET", "/api/v1/tam/build/abc"), to(Endpoint::Poll, "abc"));
    assert_eq!(
        r("GET", "/api/v1/tam/%62uild/a%20b"),
        to(Endpoint::Poll, "a b")
    );
    assert_eq!(
        r("POST", "/api/v1/tam/build/x/cancel"),
        to(Endpoint::Cancel, "x")
    );
    assert_eq!(
        r("GET", "/api/v1/tam/build/x/pause"),
        Routed::WrongMethod(Endpoint::Pause, "x".into())
    );
    for unmatched in [
        "/",
        "/api/v1/tam/build/",
        "/api/v1/tam/builds",
        "/api/v1/tam/build//pause",
        "/api/v1/tam/build/a/b",
        "/api/v1/tam/build/a/pause/",
        "/api/v1/tam/build/a/b/pause",
        "/api/v1/tam/build/a%2Fb",
        "/api/v1/tam/build/x/../x",
    ] {
        assert!(
            matches!(r("GET", unmatched), Routed::NotFound(_)),
            "{unmatched}"
        );
    }
}

#[test]
fn starlette_decodes_the_whole_path_then_routes() {
    let r = |m: &str, p: &str| route(m, p, Routing::Starlette);
    assert_eq!(r("GET", "/api/v1/tam/build/abc"), to(Endpoint::Poll, "abc"));
    // An encoded slash splits the segment: another route, or none.
    assert_eq!(
        r("POST", "/api/v1/tam/build/a%2Fpause"),
        to(Endpoint::Pause, "a")
    );
    assert_eq!(
        r("GET", "/api/v1/tam/build/a%2Fpause"),
        Routed::WrongMethod(Endpoint::Pause, "a".into())
    );
    assert!(matches!(
        r("GET", "/api/v1/tam/build/a%2Fb"),
        Routed::NotFound(Endpoint::Poll)
    ));
    // Dot segments are resolved, encoded or not.
    assert_eq!(
        r("GET", "/api/v1/tam/build/x/%2E%2E/y"),
        to(Endpoint::Poll, "y")
    );
    assert_eq!(r("GET", "/api/v1/tam/build/./y"), to(Endpoint::Poll, "y"));
    // A trailing slash redirects, whatever the method.
    assert_eq!(
        r("GET", "/api/v1/tam/build/"),
        Routed::Redirect(Endpoint::Submit, "/api/v1/tam/build".into())
    );
    assert_eq!(
        r("POST", "/api/v1/tam/build/x/pause/"),
        Routed::Redirect(Endpoint::Pause, "/api/v1/tam/build/x/pause".into())
    );
    assert!(matches!(r("GET", "/nope/"), Routed::NotFound(_)));
}

#[test]
fn nearest_prefers_the_closest_path_then_the_method() {
    let cases = [
        ("GET", "/api/v1/tam/build/x/status", Endpoint::Poll),
        ("POST", "/api/v1/tam/build/x/pasue", Endpoint::Pause),
        ("POST", "/api/v1/tam/build/x/resum", Endpoint::Resume),
        ("POST", "/api/v1/tam/build/x/cancell", Endpoint::Cancel),
        ("POST", "/api/v1/tam/builds", Endpoint::Submit),
        ("GET", "/api/v1/tam/build/", Endpoint::Poll),
        ("GET", "/api/v2/tam/build/x", Endpoint::Poll),
        ("POST", "/api/v1/tam/build/a/b/pause", Endpoint::Pause),
    ];
    for (method, path, want) in cases {
        let segments: Vec<&str> = path.split('/').collect();
        assert_eq!(nearest(method, &segments), want, "{method} {path}");
    }
}

#[tokio::test]
async fn starlette_redirects_a_trailing_slash_with_location() {
    let p = Personality::faithful().with(|p| p.routing = Routing::Starlette);
    let mock = MockApi::builder().personality(p).start().await;
    let client = Client::new(&mock);
    let job = mock.fixture(JobState::Running).unwrap();
    let slash = format!("{}/?cursor=page_0000", Endpoint::Poll.path(&job));
    let reply = client.call("GET", &slash).await;
    assert_eq!(reply.status, 307);
    assert_eq!(
        reply.header("location"),
        Some(
            format!(
                "{}{}?cursor=page_0000",
                mock.uri(),
                Endpoint::Poll.path(&job)
            )
            .as_str()
        )
    );
    assert!(reply.bytes.is_empty());
    assert_eq!(reply.header("content-type"), None);
    assert_eq!(
        mock.unmatched_requests(),
        [UnmatchedRequest {
            method: "GET".into(),
            path: format!("{}/", Endpoint::Poll.path(&job)),
            query: Some("cursor=page_0000".into()),
            nearest_operation: Endpoint::Poll,
            status: 307,
        }]
    );
    // The job id with an encoded slash lands elsewhere.
    let reply = client
        .call("GET", &format!("{}%2Fpause", Endpoint::Poll.path(&job)))
        .await;
    assert_eq!((reply.status, reply.header("allow")), (405, Some("POST")));
}
