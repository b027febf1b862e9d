//! Which network addresses the hub may send a provider's events to: public internet
//! addresses only, never its own machine, the networks around it, or a cloud's metadata
//! service. Checked on the URL when a webhook is registered and again on every address
//! its host resolves to when a delivery is sent (a name may be re-pointed meanwhile).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why the hub does not send to `ip`, in plain words ("a loopback address"), or `None`
/// when it is a public address.
pub fn refused_ip(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4).map(str::to_owned),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

/// Why the hub does not send to a URL's host, or `None`. Addresses are checked as
/// [`refused_ip`]; names that can only mean this machine, a private network or a cloud
/// metadata service are refused by name (what a public name resolves to is checked when
/// sending).
pub fn refused_host(host: &url::Host<&str>) -> Option<String> {
    match host {
        url::Host::Ipv4(v4) => refused_ip(IpAddr::V4(*v4)),
        url::Host::Ipv6(v6) => refused_ip(IpAddr::V6(*v6)),
        url::Host::Domain(name) => refused_name(name).map(str::to_owned),
    }
}

/// Names of cloud metadata services (the addresses behind them are refused as well).
const METADATA_NAMES: &[&str] = &[
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "metadata.azure.com",
    "instance-data",
    "instance-data.ec2.internal",
];

/// Name suffixes that never lead to the public internet.
const PRIVATE_SUFFIXES: &[(&str, &str)] = &[
    ("localhost", "a name for this machine (localhost)"),
    ("internal", "a private network name (.internal)"),
    ("local", "a local network name (.local)"),
    ("localdomain", "a local network name (.localdomain)"),
    ("home.arpa", "a home network name (.home.arpa)"),
    ("arpa", "an infrastructure name (.arpa)"),
    ("svc", "a cluster service name (.svc)"),
];

fn refused_name(name: &str) -> Option<&'static str> {
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if METADATA_NAMES.contains(&name.as_str()) {
        return Some("a cloud metadata service");
    }
    for (suffix, why) in PRIVATE_SUFFIXES {
        if name == *suffix || name.ends_with(&format!(".{suffix}")) {
            return Some(why);
        }
    }
    if !name.contains('.') {
        return Some("a single-label name, which resolves only inside a private network");
    }
    None
}

/// `ip` is in `net/len`.
fn in_v4(ip: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], len: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - len).unwrap_or(0);
    u128::from(ip) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const METADATA: &[[u8; 4]] = &[
        [169, 254, 169, 254], // AWS, Azure, GCP, OpenStack, Oracle…
        [169, 254, 170, 2],   // AWS container credentials
        [100, 100, 100, 200], // Alibaba Cloud
    ];
    if METADATA.iter().any(|m| ip == Ipv4Addr::from(*m)) {
        return Some("a cloud metadata address");
    }
    const RANGES: &[([u8; 4], u32, &str)] = &[
        ([0, 0, 0, 0], 8, "an unspecified (\"this network\") address"),
        ([127, 0, 0, 0], 8, "a loopback address (this machine)"),
        ([10, 0, 0, 0], 8, "a private network address"),
        ([172, 16, 0, 0], 12, "a private network address"),
        ([192, 168, 0, 0], 16, "a private network address"),
        ([100, 64, 0, 0], 10, "a shared (carrier-grade NAT) address"),
        ([169, 254, 0, 0], 16, "a link-local address"),
        ([192, 0, 0, 0], 24, "a reserved protocol address"),
        ([192, 0, 2, 0], 24, "a documentation address"),
        ([198, 51, 100, 0], 24, "a documentation address"),
        ([203, 0, 113, 0], 24, "a documentation address"),
        ([198, 18, 0, 0], 15, "a benchmarking address"),
        ([192, 88, 99, 0], 24, "a reserved relay address"),
        ([224, 0, 0, 0], 4, "a multicast address"),
        ([255, 255, 255, 255], 32, "the broadcast address"),
        ([240, 0, 0, 0], 4, "a reserved address"),
    ];
    RANGES
        .iter()
        .find(|(net, len, _)| in_v4(ip, *net, *len))
        .map(|(_, _, why)| *why)
}

/// The IPv4 address carried in the low 32 bits.
fn low_v4(ip: Ipv6Addr) -> Ipv4Addr {
    Ipv4Addr::from((u128::from(ip) & 0xffff_ffff) as u32)
}

fn refused_v6(ip: Ipv6Addr) -> Option<String> {
    let plain = |why: &str| Some(why.to_owned());
    // An IPv4 address written as IPv6 is judged as that IPv4 address.
    let embedded = |v4: Ipv4Addr, form: &str| {
        refused_v4(v4).map(|why| format!("{why} ({v4}, written as {form} IPv6)"))
    };
    if ip == Ipv6Addr::from([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]) {
        return plain("a cloud metadata address");
    }
    if ip.is_unspecified() {
        return plain("the unspecified address");
    }
    if ip.is_loopback() {
        return plain("a loopback address (this machine)");
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return embedded(v4, "IPv4-mapped");
    }
    if in_v6(ip, [0; 8], 96) {
        return embedded(low_v4(ip), "IPv4-compatible")
            .or_else(|| plain("an IPv4-compatible address (obsolete, not routable)"));
    }
    if in_v6(ip, [0, 0, 0, 0, 0xffff, 0, 0, 0], 96) {
        return embedded(low_v4(ip), "IPv4-translated")
            .or_else(|| plain("an IPv4-translated address (not routable)"));
    }
    if in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        // NAT64: reaches the IPv4 address it carries.
        return embedded(low_v4(ip), "NAT64");
    }
    if in_v6(ip, [0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        // 6to4: the IPv4 address is in bits 16–47.
        let v4 = Ipv4Addr::from(((u128::from(ip) >> 80) & 0xffff_ffff) as u32);
        return embedded(v4, "6to4");
    }
    const RANGES: &[([u16; 8], u32, &str)] = &[
        (
            [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
            48,
            "a local-use NAT64 address",
        ),
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "a discard-only address"),
        (
            [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
            32,
            "a documentation address",
        ),
        ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "a documentation address"),
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "a Teredo tunnel address"),
        (
            [0x2001, 0, 0, 0, 0, 0, 0, 0],
            23,
            "a reserved protocol address",
        ),
        (
            [0xfc00, 0, 0, 0, 0, 0, 0, 0],
            7,
            "a unique-local (private network) address",
        ),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "a link-local address"),
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "a site-local address"),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "a multicast address"),
    ];
    if let Some((_, _, why)) = RANGES.iter().find(|(net, len, _)| in_v6(ip, *net, *len)) {
        return plain(why);
    }
    // Every public IPv6 address is global unicast (2000::/3).
    if !in_v6(ip, [0x2000, 0, 0, 0, 0, 0, 0, 0], 3) {
        return plain("a reserved address (not global unicast)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_of(url: &str) -> Option<String> {
        let url = url::Url::parse(url).expect("parses");
        refused_host(&url.host().expect("has a host"))
    }

    #[test]
    fn internal_addresses_are_refused_in_every_spelling() {
        let table: &[(&str, &str)] = &[
            ("https://127.0.0.1/", "loopback"),
            ("https://127.1.2.3:8443/hook", "loopback"),
            // Decimal, hexadecimal, octal and short IPv4 forms all mean 127.0.0.1.
            ("https://2130706433/", "loopback"),
            ("https://0x7f000001/", "loopback"),
            ("https://0x7f.1/", "loopback"),
            ("https://0177.0.0.1/", "loopback"),
            ("https://127.1/", "loopback"),
            ("https://127.0.0.1./", "loopback"),
            ("https://%31%32%37.0.0.1/", "loopback"),
            ("https://[::1]/", "loopback"),
            ("https://[::ffff:127.0.0.1]/", "loopback"),
            ("https://[::ffff:7f00:1]/", "loopback"),
            ("https://[::127.0.0.1]/", "loopback"),
            ("https://[0:0:0:0:0:ffff:127.0.0.1]/", "loopback"),
            ("https://[64:ff9b::127.0.0.1]/", "loopback"),
            ("https://[2002:7f00:1::]/", "loopback"),
            ("https://0.0.0.0/", "unspecified"),
            ("https://0/", "unspecified"),
            ("https://[::]/", "unspecified"),
            ("https://10.1.2.3/", "private network"),
            ("https://172.16.0.1/", "private network"),
            ("https://172.31.255.255/", "private network"),
            ("https://192.168.1.10/", "private network"),
            ("https://[::ffff:10.0.0.1]/", "private network"),
            ("https://[::ffff:192.168.0.1]/", "private network"),
            ("https://100.64.0.1/", "shared"),
            ("https://100.127.255.254/", "shared"),
            ("https://169.254.1.1/", "link-local"),
            ("https://[fe80::1]/", "link-local"),
            ("https://[fc00::1]/", "unique-local"),
            ("https://[fd12:3456::1]/", "unique-local"),
            ("https://[fec0::1]/", "site-local"),
            ("https://224.0.0.1/", "multicast"),
            ("https://[ff02::1]/", "multicast"),
            ("https://255.255.255.255/", "broadcast"),
            ("https://240.0.0.1/", "reserved"),
            ("https://192.0.2.1/", "documentation"),
            ("https://203.0.113.9/", "documentation"),
            ("https://[2001:db8::1]/", "documentation"),
            ("https://198.18.0.1/", "benchmarking"),
            ("https://169.254.169.254/latest/meta-data/", "metadata"),
            ("https://0xa9fea9fe/", "metadata"),
            ("https://[::ffff:169.254.169.254]/", "metadata"),
            ("https://[fd00:ec2::254]/", "metadata"),
            ("https://100.100.100.200/", "metadata"),
            (
                "https://metadata.google.internal/computeMetadata/v1/",
                "metadata",
            ),
            ("https://metadata.google.internal./", "metadata"),
            ("https://METADATA/", "metadata"),
            ("https://localhost/", "localhost"),
            ("https://localhost./", "localhost"),
            ("https://LocalHost:8443/", "localhost"),
            ("https://api.localhost/", "localhost"),
            ("https://db.corp.internal/", ".internal"),
            ("https://printer.local/", ".local"),
            ("https://router.home.arpa/", ".home.arpa"),
            ("https://kubernetes.default.svc/", ".svc"),
            ("https://intranet/", "single-label"),
        ];
        for (url, why) in table {
            let refused = host_of(url).unwrap_or_else(|| panic!("{url} must be refused"));
            assert!(refused.contains(why), "{url}: `{refused}` should say {why}");
        }
    }

    #[test]
    fn public_addresses_and_names_pass() {
        for url in [
            "https://hooks.example.org/hub",
            "https://hooks.example.org./hub",
            "https://8.8.8.8/",
            "https://1.1.1.1:8443/x",
            "https://172.32.0.1/",
            "https://100.128.0.1/",
            "https://[2606:4700:4700::1111]/",
            "https://[::ffff:8.8.8.8]/",
            "https://[64:ff9b::8.8.8.8]/",
            "https://localhost.example.org/",
            "https://internal.example.org/",
        ] {
            assert_eq!(host_of(url), None, "{url} is public");
        }
    }

    #[test]
    fn ranges_have_sharp_edges() {
        let v4 = |s: &str| refused_ip(s.parse().expect("ip"));
        assert!(v4("172.15.255.255").is_none());
        assert!(v4("172.16.0.0").is_some());
        assert!(v4("100.63.255.255").is_none());
        assert!(v4("100.64.0.0").is_some());
        assert!(v4("198.17.255.255").is_none());
        assert!(v4("198.19.255.255").is_some());
        assert!(v4("223.255.255.255").is_none());
        assert!(v4("2001:4860:4860::8888").is_none());
        assert!(v4("::8.8.8.8").is_some(), "IPv4-compatible is obsolete");
        assert!(v4("4000::1").is_some(), "outside global unicast");
    }
}
