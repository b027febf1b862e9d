//! What the page benches share: a browser signed in locally (a cookie session), and
//! timing a page one request at a time over loopback, so the time is the server's.

use std::time::{Duration, Instant};

use provider_hub_tests::TestApp;

pub struct Browser {
    pub http: reqwest::Client,
    pub cookie: String,
}

impl Browser {
    /// Signs in on the local sign-in page as `person` (a radio's value: `om:SY-SHF:1`,
    /// `commissioner`).
    pub async fn sign_in(app: &TestApp, person: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let page = http.get(app.url("/sign-in")).send().await.expect("sign-in");
        let cookie = |r: &reqwest::Response| {
            r.headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .filter_map(|v| v.split(';').next())
                .find(|p| p.starts_with("hub_session="))
                .map(str::to_owned)
        };
        let first = cookie(&page).expect("a session");
        let body = page.text().await.expect("page");
        let token = body
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("token")
            .to_owned();
        let person: String = url_encode(person);
        let signed = http
            .post(app.url("/sign-in"))
            .header("cookie", &first)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("csrf_token={token}&person={person}"))
            .send()
            .await
            .expect("sign in");
        assert_eq!(signed.status().as_u16(), 303);
        Browser {
            http,
            cookie: cookie(&signed).expect("signed-in session"),
        }
    }

    pub async fn get(&self, url: &str) -> (u16, String) {
        let response = self
            .http
            .get(url)
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// `warm` untimed then `requests` timed GETs of `url`, sorted; each must answer 200.
    /// Returns the times and the last body's length.
    pub async fn time(&self, url: &str, warm: usize, requests: usize) -> (Vec<Duration>, usize) {
        let mut size = 0;
        for _ in 0..warm {
            let (status, body) = self.get(url).await;
            assert_eq!(status, 200, "{url}: {body}");
        }
        let mut times = Vec::with_capacity(requests);
        for _ in 0..requests {
            let started = Instant::now();
            let (status, body) = self.get(url).await;
            times.push(started.elapsed());
            assert_eq!(status, 200, "{url}");
            size = body.len();
        }
        times.sort();
        (times, size)
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
