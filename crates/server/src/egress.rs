//! Where the dispatcher may connect. A webhook's URL was checked when it was registered,
//! but the name in it can be re-pointed later (DNS rebinding): so the dispatcher's HTTP
//! client resolves every host itself, refuses a host when any address it resolves to is
//! internal, and connects only to the addresses it checked. A URL naming an address
//! (which no resolver sees) is checked before sending.

use std::net::{IpAddr, SocketAddr};

use provider_hub_domain::network::{refused_host, refused_ip};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a delivery was not sent: the webhook's host is (or resolves to) an internal address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "refused: {}; this hub sends events only to public internet addresses",
            self.0
        )
    }
}

impl std::error::Error for Refused {}

/// Resolves names with the system resolver and lets through only public addresses
/// (everything, when the operator allows internal ones).
#[derive(Debug, Clone, Copy)]
pub struct CheckedResolver {
    pub allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // `name.` is the same name written absolute; the system resolver may not
            // know the written form (its hosts file has `localhost`, not `localhost.`).
            let lookup = host.strip_suffix('.').unwrap_or(&host);
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((lookup, 0)).await?.collect();
            if !allow_private {
                if let Some((ip, why)) = addrs
                    .iter()
                    .find_map(|a| refused_ip(a.ip()).map(|why| (a.ip(), why)))
                {
                    return Err(Refused(format!("{host} resolves to {ip}, {why}")).into());
                }
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Why a URL that names an address (not a name) may not be sent to, when internal
/// addresses are not allowed.
pub fn refused_literal(url: &str, allow_private: bool) -> Option<Refused> {
    if allow_private {
        return None;
    }
    let url = reqwest::Url::parse(url).ok()?;
    let host = url.host()?;
    let ip: IpAddr = match host {
        url::Host::Ipv4(ip) => ip.into(),
        url::Host::Ipv6(ip) => ip.into(),
        url::Host::Domain(_) => return None,
    };
    refused_host(&host).map(|why| Refused(format!("the webhook's address {ip} is {why}")))
}

/// The refusal somewhere in an error's chain of causes, if that is why sending failed.
pub fn refusal_in(error: &(dyn std::error::Error + 'static)) -> Option<Refused> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return Some(refused.clone());
        }
        cause = e.source();
    }
    None
}

/// The dispatcher's HTTP client: its own resolver, no redirects, no proxy from the
/// environment (a proxy would resolve names where the hub cannot check them).
pub fn client(
    timeout: std::time::Duration,
    allow_private: bool,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(CheckedResolver { allow_private })
        .user_agent(concat!("provider-hub/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_addresses_are_checked_before_sending() {
        let refused = refused_literal("http://127.0.0.1:9/hook", false).expect("refused");
        assert!(
            refused.to_string().contains("127.0.0.1 is a loopback"),
            "{refused}"
        );
        assert!(refused_literal("https://[::ffff:169.254.169.254]/", false).is_some());
        assert!(refused_literal("http://127.0.0.1:9/hook", true).is_none());
        assert!(refused_literal("https://8.8.8.8/", false).is_none());
        // Names are the resolver's to check.
        assert!(refused_literal("https://localhost/", false).is_none());
    }

    #[test]
    fn a_name_resolving_to_loopback_is_refused_and_never_connected_to() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            // Something listening on loopback, which must not be reached.
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let port = listener.local_addr().expect("addr").port();
            let client = client(std::time::Duration::from_secs(5), false).expect("client");
            for host in ["localhost", "localhost."] {
                let error = client
                    .post(format!("http://{host}:{port}/hook"))
                    .send()
                    .await
                    .expect_err("refused");
                let refused = refusal_in(&error).unwrap_or_else(|| panic!("{error:?}"));
                assert!(
                    refused.0.starts_with(&format!("{host} resolves to "))
                        && refused.0.contains("loopback"),
                    "{refused}"
                );
            }
            let accepted =
                tokio::time::timeout(std::time::Duration::from_millis(200), listener.accept())
                    .await;
            assert!(accepted.is_err(), "no connection reached the listener");
            // Allowed, the same name is reached (the listener never answers: a timeout).
            let allowing =
                super::client(std::time::Duration::from_millis(300), true).expect("client");
            let error = allowing
                .post(format!("http://localhost:{port}/hook"))
                .send()
                .await
                .expect_err("no answer");
            assert!(refusal_in(&error).is_none(), "{error}");
            let accepted =
                tokio::time::timeout(std::time::Duration::from_secs(2), listener.accept()).await;
            assert!(
                matches!(accepted, Ok(Ok(_))),
                "the connection reached the listener"
            );
        });
    }
}
