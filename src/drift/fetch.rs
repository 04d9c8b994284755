//! Fetching the service's own document through the crate's one HTTP
//! client, so the timeout, the body cap, the refusal to follow redirects,
//! 429 handling and the scrubbing of the key are the same as for every
//! other request.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::client::{Client, MAX_RETRIES, SendError, WriteGuard};
use crate::config::Limits;
use crate::error::FetchProblem;
use crate::{ApiKey, Error, Request, Spec};

/// Largest document read.
const MAX_BYTES: usize = 16 << 20;

/// The path of the document under the base URL.
const PATH: &str = "/openapi.json";

/// `GET {base_url}/openapi.json`, with the key when there is one, within
/// `timeout`; redirects are not followed (the key never travels to another
/// host), a 429 is retried as for any request, and a copy of the key in
/// the answer is masked. Any answer but a 200 with a JSON object is an
/// [`Error::Fetch`].
pub(crate) async fn fetch(
    base_url: &str,
    key: Option<&ApiKey>,
    timeout: Duration,
) -> Result<Value, Error> {
    let client = client(base_url, timeout)?;
    let mut request = Request::new(Method::GET, PATH).header("accept", "application/json");
    if let Some(key) = key {
        request = request.key(key);
    }
    let failed = |problem| Error::Fetch {
        url: format!("{}{PATH}", client.base_url()),
        problem,
    };
    let exchange = client.send(request).await.map_err(|e| {
        failed(FetchProblem::NoAnswer(match e {
            SendError::Transport(violation) => violation
                .mismatches
                .first()
                .map_or_else(|| violation.to_string(), |m| m.actual.clone()),
            other => other.to_string(),
        }))
    })?;
    if exchange.status() != 200 {
        return Err(failed(FetchProblem::Status(exchange.status())));
    }
    match exchange.response.body_json() {
        Ok(document) if document.is_object() => Ok(document),
        Ok(_) => Err(failed(FetchProblem::NotObject)),
        Err(e) => Err(failed(FetchProblem::NotJson(e.to_string()))),
    }
}

/// A client for one read: the document may be larger than an API answer,
/// a single backoff never outlasts the timeout, and the guard allows no
/// writes. The client matches requests against a spec to classify them;
/// `/openapi.json` is none of the vendored spec's operations, so the
/// embedded one serves whatever document is compared.
fn client(base_url: &str, timeout: Duration) -> Result<Client, Error> {
    let limits = Limits {
        max_requests: 1 + MAX_RETRIES,
        rps: None,
        timeout,
        wait: timeout,
        max_body_bytes: MAX_BYTES,
    };
    Client::new(
        Spec::embedded()?,
        base_url,
        limits,
        WriteGuard::new(false, []),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const KEY: &str = "of_drift_canary_5e3f";

    async fn serving(answer: ResponseTemplate) -> MockServer {
        let server = MockServer::builder()
            .listener(std::net::TcpListener::bind("127.0.0.1:0").expect("a local port"))
            .start()
            .await;
        Mock::given(method("GET"))
            .and(path(PATH))
            .respond_with(answer)
            .mount(&server)
            .await;
        server
    }

    async fn problem(answer: ResponseTemplate) -> (String, Error) {
        let server = serving(answer).await;
        let error = fetch(&server.uri(), None, Duration::from_secs(5))
            .await
            .expect_err("not a document");
        (server.uri(), error)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_echoed_key_is_masked_in_the_document() {
        let server =
            serving(ResponseTemplate::new(200).set_body_json(json!({"servers": [KEY]}))).await;
        let document = fetch(
            &server.uri(),
            Some(&ApiKey::new(KEY)),
            Duration::from_secs(5),
        )
        .await
        .expect("a document");
        assert!(!document.to_string().contains(KEY), "{document}");
        let sent = server.received_requests().await.expect("recorded");
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].headers["x-api-key"], KEY);
        assert_eq!(sent[0].headers["accept"], "application/json");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_other_answer_is_a_typed_fetch_error() {
        let redirect =
            ResponseTemplate::new(302).insert_header("location", "https://elsewhere.example/");
        let cases = [
            (redirect, FetchProblem::Status(302), "answered 302, not 200"),
            (
                ResponseTemplate::new(200).set_body_json(json!([1])),
                FetchProblem::NotObject,
                "the answer is JSON but not an object",
            ),
        ];
        for (answer, expected, sentence) in cases {
            let (base, error) = problem(answer).await;
            assert_eq!(
                error.to_string(),
                format!("target: GET {base}/openapi.json: {sentence}")
            );
            assert!(
                matches!(&error, Error::Fetch { problem, url } if *problem == expected && url.ends_with(PATH)),
                "{error:?}"
            );
        }
        let (_, error) = problem(ResponseTemplate::new(200).set_body_string("<html>")).await;
        assert!(
            matches!(
                &error,
                Error::Fetch {
                    problem: FetchProblem::NotJson(_),
                    ..
                }
            ),
            "{error:?}"
        );
        let big = ResponseTemplate::new(200).set_body_string(" ".repeat(MAX_BYTES + 1));
        let (_, error) = problem(big).await;
        assert!(
            matches!(&error, Error::Fetch { problem: FetchProblem::NoAnswer(why), .. } if why.contains("over the cap")),
            "{error:?}"
        );
    }
}
