//! The deployment files under `deploy/`: the Kubernetes manifests, the compose file and the
//! container image definition hold together, and they agree with what the hub knows (its
//! settings, its health routes, its binary).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use provider_hub_tests::{both_backends, Config, TestApp};
use serde::Deserialize;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"))
}

/// Every document of a YAML file (`---`-separated), as JSON values.
fn yaml_documents(relative: &str) -> Vec<Value> {
    let text = read(relative);
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|doc| {
            Value::deserialize(doc).unwrap_or_else(|e| panic!("{relative} is not valid YAML: {e}"))
        })
        .filter(|doc| !doc.is_null())
        .collect()
}

const KUBERNETES: &str = "deploy/kubernetes";

/// Every Kubernetes object under deploy/kubernetes, with the file it is in.
fn manifests() -> Vec<(String, Value)> {
    let mut files: Vec<String> = std::fs::read_dir(repo().join(KUBERNETES))
        .expect("deploy/kubernetes exists")
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".yaml") || name.ends_with(".yml"))
        .filter(|name| name != "kustomization.yaml")
        .collect();
    files.sort();
    files
        .into_iter()
        .flat_map(|file| {
            yaml_documents(&format!("{KUBERNETES}/{file}"))
                .into_iter()
                .map(move |doc| (file.clone(), doc))
        })
        .collect()
}

/// The one object of a kind.
fn one(kind: &str) -> Value {
    let mut found: Vec<Value> = manifests()
        .into_iter()
        .map(|(_, doc)| doc)
        .filter(|doc| doc["kind"] == kind)
        .collect();
    assert_eq!(found.len(), 1, "exactly one {kind} under {KUBERNETES}");
    found.remove(0)
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} is not a string in {value}"))
}

fn number(value: &Value, pointer: &str) -> i64 {
    value
        .pointer(pointer)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{pointer} is not a number in {value}"))
}

fn string_map(value: &Value, pointer: &str) -> BTreeMap<String, String> {
    value
        .pointer(pointer)
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("{pointer} is not a map in {value}"))
        .iter()
        .map(|(k, v)| {
            let v = v
                .as_str()
                .unwrap_or_else(|| panic!("{pointer}/{k} must be a quoted string, not {v}"));
            (k.clone(), v.to_owned())
        })
        .collect()
}

/// True when a non-empty label selector picks pods with these labels.
fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Names in string literals `"HUB_…"` of a Rust source.
fn hub_literals(source: &str) -> BTreeSet<String> {
    source
        .match_indices("\"HUB_")
        .filter_map(|(at, _)| {
            let rest = &source[at + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(rest.len());
            rest[end..].starts_with('"').then(|| rest[..end].to_owned())
        })
        .collect()
}

/// The settings the hub reads: every `HUB_*` name in crates/server/src.
fn settings_the_hub_reads() -> BTreeSet<String> {
    let dir = repo().join("crates/server/src");
    let mut names = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("crates/server/src") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            names.extend(hub_literals(
                &std::fs::read_to_string(&path).expect("server source"),
            ));
        }
    }
    assert!(names.contains("HUB_DATABASE_URL") && names.contains("HUB_LOG_FORMAT"));
    names
}

/// The settings README.md's configuration table documents.
fn documented_settings() -> BTreeSet<String> {
    let names: BTreeSet<String> = read("README.md")
        .lines()
        .filter_map(|line| line.strip_prefix("| `HUB_"))
        .filter_map(|rest| rest.split('`').next())
        .map(|name| format!("HUB_{name}"))
        .collect();
    assert!(
        names.contains("HUB_DATABASE_URL"),
        "README's configuration table"
    );
    names
}

fn assert_known_setting(name: &str, place: &str) {
    assert!(
        settings_the_hub_reads().contains(name),
        "{place} sets {name}, which the hub does not read"
    );
    assert!(
        documented_settings().contains(name),
        "{place} sets {name}, which README's configuration table does not document"
    );
}

/// The hub's container in the Deployment.
fn hub_container(deployment: &Value) -> &Value {
    let containers = deployment
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .expect("containers");
    assert_eq!(containers.len(), 1, "one container: the hub");
    &containers[0]
}

/// The container's HTTP port: (name, number).
fn http_port(container: &Value) -> (String, i64) {
    let ports = container["ports"].as_array().expect("container ports");
    assert_eq!(ports.len(), 1, "the hub listens on one port");
    (
        text(&ports[0], "/name").to_owned(),
        number(&ports[0], "/containerPort"),
    )
}

/// True when a probe's or Service's port (a name or a number) is the container's port.
fn is_port(port: &Value, (name, number): &(String, i64)) -> bool {
    port.as_str() == Some(name.as_str()) || port.as_i64() == Some(*number)
}

fn pod_labels(deployment: &Value) -> BTreeMap<String, String> {
    string_map(deployment, "/spec/template/metadata/labels")
}

#[test]
fn every_manifest_is_a_namespace_agnostic_object_of_the_expected_kinds() {
    let all = manifests();
    let mut kinds = BTreeMap::new();
    for (file, doc) in &all {
        let kind = text(doc, "/kind");
        assert!(!text(doc, "/metadata/name").is_empty(), "{file}: a name");
        assert!(
            doc.pointer("/metadata/namespace").is_none(),
            "{file}: {kind} names a namespace; the manifests are applied with -n"
        );
        *kinds
            .entry((kind.to_owned(), text(doc, "/apiVersion").to_owned()))
            .or_insert(0) += 1;
    }
    for (kind, api) in [
        ("ConfigMap", "v1"),
        ("Secret", "v1"),
        ("Deployment", "apps/v1"),
        ("Service", "v1"),
        ("HorizontalPodAutoscaler", "autoscaling/v2"),
        ("PodDisruptionBudget", "policy/v1"),
    ] {
        assert_eq!(
            kinds.get(&(kind.to_owned(), api.to_owned())),
            Some(&1),
            "one {api} {kind} (found {kinds:?})"
        );
    }
    assert_eq!(kinds.len(), 6, "no other objects: {kinds:?}");
}

#[test]
fn kustomization_applies_every_manifest_but_the_placeholder_secret() {
    let kustomization = &yaml_documents(&format!("{KUBERNETES}/kustomization.yaml"))[0];
    let listed: BTreeSet<&str> = kustomization["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r.as_str().expect("a file name"))
        .collect();
    let all = manifests();
    let mut expected = BTreeSet::new();
    for (file, doc) in &all {
        if doc["kind"] == "Secret" {
            assert!(
                !listed.contains(file.as_str()),
                "{file} holds placeholders: applying the directory must not overwrite a real Secret"
            );
        } else {
            expected.insert(file.as_str());
        }
    }
    assert_eq!(listed, expected.iter().copied().collect());
    let image = text(hub_container(&one("Deployment")), "/image").to_owned();
    let images = kustomization["images"].as_array().expect("images");
    assert!(
        images
            .iter()
            .any(|i| image.starts_with(&format!("{}:", text(i, "/name")))),
        "the kustomization's images entry renames the Deployment's image {image}"
    );
}

#[test]
fn the_deployment_probes_the_health_routes_on_its_container_port() {
    let deployment = one("Deployment");
    let container = hub_container(&deployment);
    let port = http_port(container);
    for (probe, path) in [
        ("livenessProbe", "/health/live"),
        ("readinessProbe", "/health/ready"),
        ("startupProbe", "/health/live"),
    ] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"], path, "{probe}");
        assert!(
            is_port(&get["port"], &port),
            "{probe} probes {}",
            get["port"]
        );
        assert!(
            get.get("scheme").is_none_or(|s| s == "HTTP"),
            "{probe}: the hub serves plain HTTP"
        );
    }
    // Migrations run before the port opens: the startup probe must wait for them.
    let startup = &container["startupProbe"];
    assert!(
        number(startup, "/periodSeconds") * number(startup, "/failureThreshold") >= 120,
        "the startup probe allows at least two minutes"
    );
    // The hub drains in-flight requests for up to 30 s after SIGTERM, after preStop.
    let pre_stop = container
        .pointer("/lifecycle/preStop/sleep/seconds")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    assert!(
        number(
            &deployment,
            "/spec/template/spec/terminationGracePeriodSeconds"
        ) >= pre_stop + 30,
        "terminationGracePeriodSeconds covers preStop and the hub's 30 s drain"
    );
    assert!(number(&deployment, "/spec/replicas") >= 2);
    assert_eq!(text(&deployment, "/spec/strategy/type"), "RollingUpdate");
    assert_eq!(
        number(&deployment, "/spec/strategy/rollingUpdate/maxUnavailable"),
        0,
        "a rollout never takes a serving pod away first"
    );
    let annotations = string_map(&deployment, "/spec/template/metadata/annotations");
    assert_eq!(annotations["prometheus.io/path"], "/metrics");
    assert_eq!(annotations["prometheus.io/port"], port.1.to_string());
}

#[test]
fn the_service_autoscaler_and_disruption_budget_select_the_deployments_pods() {
    let deployment = one("Deployment");
    let name = text(&deployment, "/metadata/name");
    let labels = pod_labels(&deployment);
    assert!(
        selects(
            &string_map(&deployment, "/spec/selector/matchLabels"),
            &labels
        ),
        "the Deployment's selector matches its own pod template"
    );
    let port = http_port(hub_container(&deployment));

    let service = one("Service");
    assert!(selects(&string_map(&service, "/spec/selector"), &labels));
    let ports = service["spec"]["ports"].as_array().expect("service ports");
    assert!(!ports.is_empty());
    for p in ports {
        assert!(
            is_port(&p["targetPort"], &port),
            "the Service sends to {} but the hub listens on {port:?}",
            p["targetPort"]
        );
    }

    let hpa = one("HorizontalPodAutoscaler");
    assert_eq!(text(&hpa, "/spec/scaleTargetRef/kind"), "Deployment");
    assert_eq!(text(&hpa, "/spec/scaleTargetRef/apiVersion"), "apps/v1");
    assert_eq!(text(&hpa, "/spec/scaleTargetRef/name"), name);
    let min = number(&hpa, "/spec/minReplicas");
    assert!(min >= 2 && number(&hpa, "/spec/maxReplicas") > min);
    let metrics = hpa["spec"]["metrics"].as_array().expect("metrics");
    assert!(metrics
        .iter()
        .any(|m| m["type"] == "Resource" && m["resource"]["name"] == "cpu"));
    // Utilization is measured against requests: without a CPU request the HPA cannot work.
    assert!(hub_container(&deployment)
        .pointer("/resources/requests/cpu")
        .is_some());

    let pdb = one("PodDisruptionBudget");
    assert!(selects(
        &string_map(&pdb, "/spec/selector/matchLabels"),
        &labels
    ));
    let min_available = number(&pdb, "/spec/minAvailable");
    assert!(
        min_available >= 1 && min_available < min,
        "the budget lets a drain evict a pod while the autoscaler's minimum runs"
    );

    // The pods of other objects (none today) must not be picked by these selectors.
    for (file, doc) in manifests() {
        if let Some(template_labels) = doc.pointer("/spec/template/metadata/labels") {
            if doc["metadata"]["name"] != name {
                let other: BTreeMap<String, String> =
                    serde_json::from_value(template_labels.clone()).expect("labels");
                assert!(
                    !selects(&string_map(&service, "/spec/selector"), &other),
                    "{file}"
                );
            }
        }
    }
}

#[test]
fn the_pods_run_as_non_root_on_a_read_only_root_with_resources_set() {
    let deployment = one("Deployment");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = hub_container(&deployment);
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let uid = pod["securityContext"]["runAsUser"]
        .as_i64()
        .or_else(|| container["securityContext"]["runAsUser"].as_i64())
        .expect("runAsUser");
    assert_ne!(uid, 0);
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"][0],
        "ALL"
    );
    for pointer in [
        "/resources/requests/cpu",
        "/resources/requests/memory",
        "/resources/limits/memory",
    ] {
        assert!(container.pointer(pointer).is_some(), "{pointer} is set");
    }

    // The root is read-only: HUB_DATA_DIR must be a mounted, writable volume.
    let config = string_map(&one("ConfigMap"), "/data");
    let data_dir = config
        .get("HUB_DATA_DIR")
        .expect("the ConfigMap sets HUB_DATA_DIR");
    let mount = container["volumeMounts"]
        .as_array()
        .expect("volumeMounts")
        .iter()
        .find(|m| m["mountPath"] == data_dir.as_str())
        .unwrap_or_else(|| panic!("nothing is mounted at HUB_DATA_DIR {data_dir}"));
    assert_ne!(mount["readOnly"], true);
    let volume = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .find(|v| v["name"] == mount["name"])
        .expect("the mounted volume");
    assert!(volume.get("emptyDir").is_some(), "{volume}");
}

#[test]
fn every_setting_and_key_the_deployment_names_exists() {
    let deployment = one("Deployment");
    let container = hub_container(&deployment);
    let config_map = one("ConfigMap");
    let secret = one("Secret");
    let config_keys = string_map(&config_map, "/data");
    let secret_keys = string_map(&secret, "/stringData");

    for name in config_keys.keys() {
        assert_known_setting(name, "the ConfigMap");
    }
    for name in secret_keys.keys() {
        assert_known_setting(name, "the Secret");
    }
    for from in container["envFrom"].as_array().into_iter().flatten() {
        if let Some(name) = from.pointer("/configMapRef/name") {
            assert_eq!(
                name, &config_map["metadata"]["name"],
                "envFrom names the ConfigMap"
            );
        } else if let Some(name) = from.pointer("/secretRef/name") {
            assert_eq!(
                name, &secret["metadata"]["name"],
                "envFrom names the Secret"
            );
        } else {
            panic!("unexpected envFrom {from}");
        }
    }
    let env = container["env"].as_array().expect("env");
    assert!(!env.is_empty());
    for var in env {
        let name = text(var, "/name");
        assert_known_setting(name, "the Deployment");
        if let Some(key_ref) = var.pointer("/valueFrom/secretKeyRef") {
            assert_eq!(key_ref["name"], secret["metadata"]["name"], "{name}");
            assert!(
                secret_keys.contains_key(text(key_ref, "/key")),
                "{name} reads key {} that the Secret does not have",
                key_ref["key"]
            );
        } else if let Some(key_ref) = var.pointer("/valueFrom/configMapKeyRef") {
            assert_eq!(key_ref["name"], config_map["metadata"]["name"], "{name}");
            assert!(
                config_keys.contains_key(text(key_ref, "/key")),
                "{name} reads key {} that the ConfigMap does not have",
                key_ref["key"]
            );
        } else {
            assert!(
                var["value"].is_string(),
                "{name} has a value or a reference"
            );
        }
    }
    let from_secret: BTreeSet<&str> = env
        .iter()
        .filter(|v| v.pointer("/valueFrom/secretKeyRef").is_some())
        .map(|v| text(v, "/name"))
        .collect();
    assert!(from_secret.contains("HUB_DATABASE_URL") && from_secret.contains("HUB_JWT_SECRET"));
    assert!(
        from_secret.contains("HUB_SECRET_KEY"),
        "the key sealing webhook secrets comes from the Secret"
    );
    assert!(
        config_keys
            .keys()
            .all(|k| !from_secret.contains(k.as_str())),
        "a secret is not also set in the ConfigMap"
    );
}

/// Starts nothing: asks the hub's own configuration parser whether it accepts what the
/// ConfigMap and the Secret give a pod (a refusal would crash every pod at start).
#[test]
fn the_hub_accepts_the_settings_a_pod_gets() {
    let mut env = string_map(&one("ConfigMap"), "/data");
    env.extend(string_map(&one("Secret"), "/stringData"));
    let config = Config::from_env_with(|k| env.get(k).cloned())
        .unwrap_or_else(|e| panic!("the hub refuses the manifests' settings: {e}"));
    assert!(config.database_url.starts_with("postgres://"));
    assert!(
        config.jwt_secret.is_some(),
        "replicas share one signing secret"
    );
    assert!(
        config.secret_key.is_some(),
        "replicas share one key for webhook secrets"
    );
    let deployment = one("Deployment");
    let container = hub_container(&deployment);
    let port = http_port(container);
    assert_eq!(config.listen, format!("0.0.0.0:{}", port.1));
    // Threads per pod follow the CPU limit, not the node's CPU count.
    let cpu_limit = text(container, "/resources/limits/cpu");
    assert_eq!(
        config.workers.map(|w| w.to_string()).as_deref(),
        Some(cpu_limit)
    );
}

/// `${NAME:-default}` replaced by its default, as compose does with NAME unset.
fn with_defaults(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        let (_, default) = rest[start + 2..end]
            .split_once(":-")
            .unwrap_or_else(|| panic!("{value}: every variable in compose.yaml has a default"));
        out.push_str(default);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn compose_runs_the_hub_on_a_healthy_postgres() {
    let compose = &yaml_documents("deploy/compose.yaml")[0];
    let postgres = &compose["services"]["postgres"];
    let hub = &compose["services"]["hub"];
    assert!(text(postgres, "/image").starts_with("postgres:16"));
    let health = postgres["healthcheck"]["test"].to_string();
    assert!(health.contains("pg_isready"), "{health}");
    let volume = postgres["volumes"][0].as_str().expect("a volume");
    let (volume_name, mount) = volume.split_once(':').expect("name:path");
    assert_eq!(mount, "/var/lib/postgresql/data");
    assert!(
        compose["volumes"].get(volume_name).is_some(),
        "{volume_name} is declared"
    );

    let compose_dir = repo().join("deploy");
    let context = compose_dir.join(text(hub, "/build/context"));
    assert!(
        context.join("Cargo.lock").exists(),
        "the build context is the repository root"
    );
    assert!(context.join(text(hub, "/build/dockerfile")).exists());
    assert_eq!(
        text(hub, "/depends_on/postgres/condition"),
        "service_healthy"
    );

    let env: BTreeMap<String, String> = string_map(hub, "/environment")
        .into_iter()
        .map(|(k, v)| (k, with_defaults(&v)))
        .collect();
    for name in env.keys() {
        assert_known_setting(name, "compose.yaml");
    }
    let config = Config::from_env_with(|k| env.get(k).cloned())
        .unwrap_or_else(|e| panic!("the hub refuses compose.yaml's settings: {e}"));
    let pg_env: BTreeMap<String, String> = string_map(postgres, "/environment")
        .into_iter()
        .map(|(k, v)| (k, with_defaults(&v)))
        .collect();
    assert_eq!(
        config.database_url,
        format!(
            "postgres://{}:{}@postgres:5432/{}",
            pg_env["POSTGRES_USER"], pg_env["POSTGRES_PASSWORD"], pg_env["POSTGRES_DB"]
        ),
        "the hub connects to the postgres service as the user it creates"
    );
    assert_eq!(config.listen, "0.0.0.0:8080");
    assert!(config.jwt_secret.is_some());
    assert!(
        config.secret_key.is_some(),
        "a kept key, not one in the container"
    );
    let ports: Vec<&str> = hub["ports"]
        .as_array()
        .expect("ports")
        .iter()
        .map(|p| p.as_str().expect("a port mapping"))
        .collect();
    assert!(ports.iter().any(|p| p.ends_with(":8080")), "{ports:?}");
    let grace = text(hub, "/stop_grace_period");
    let seconds: u64 = grace.trim_end_matches('s').parse().expect("seconds");
    assert!(seconds > 30, "compose waits for the hub's 30 s drain");
}

/// A Dockerfile's instructions, continuation lines joined, comments dropped.
fn instructions(dockerfile: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                current.push_str(part);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                if let Some((word, args)) = current.split_once(char::is_whitespace) {
                    out.push((word.to_ascii_uppercase(), args.trim().to_owned()));
                }
                current.clear();
            }
        }
    }
    out
}

#[test]
fn the_image_is_multi_stage_and_runs_only_the_binary_as_non_root() {
    let all = instructions(&read("deploy/Dockerfile"));
    let starts: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, (word, _))| word == "FROM")
        .map(|(i, _)| i)
        .collect();
    assert!(starts.len() >= 2, "a build stage and a runtime stage");
    let build = &all[starts[0]..starts[1]];
    let runtime = &all[*starts.last().expect("a stage")..];
    let build_name = build[0]
        .1
        .rsplit_once(" AS ")
        .map(|(_, name)| name.trim().to_owned())
        .expect("the build stage is named");
    assert!(build
        .iter()
        .any(|(w, a)| w == "RUN" && a.contains("cargo build --release --locked")));
    assert!(
        !runtime[0].1.contains("rust:"),
        "the runtime image has no toolchain"
    );

    let user = runtime
        .iter()
        .rev()
        .find(|(w, _)| w == "USER")
        .map(|(_, a)| a.as_str())
        .expect("the runtime stage sets USER");
    let uid = user.split(':').next().expect("uid");
    assert!(
        uid.parse::<u32>().is_ok_and(|n| n != 0),
        "USER {user}: a numeric non-root uid, so runAsNonRoot can verify it"
    );

    let env: BTreeMap<&str, &str> = runtime
        .iter()
        .filter(|(w, _)| w == "ENV")
        .flat_map(|(_, a)| a.split_whitespace())
        .filter_map(|pair| pair.split_once('='))
        .collect();
    assert_eq!(env.get("HUB_LISTEN"), Some(&"0.0.0.0:8080"));
    let data_dir = env.get("HUB_DATA_DIR").expect("ENV HUB_DATA_DIR");
    assert!(runtime.iter().any(|(w, a)| w == "EXPOSE" && a == "8080"));
    assert!(!runtime.iter().any(|(w, _)| w == "ADD"));

    // The runtime stage installs what the binary links beyond glibc (libpq, through
    // diesel's PostgreSQL backend) and makes the data directory the user's own.
    let setup: String = runtime
        .iter()
        .filter(|(w, _)| w == "RUN")
        .map(|(_, a)| a.as_str())
        .collect::<Vec<_>>()
        .join(" ; ");
    assert!(
        setup.contains("libpq5") && setup.contains("ca-certificates"),
        "{setup}"
    );
    let (uid, gid) = user.split_once(':').unwrap_or((user, user));
    assert!(
        setup.contains(&format!("install -d -o {uid} -g {gid} -m 0750 {data_dir}")),
        "HUB_DATA_DIR {data_dir} is created for USER {user}: {setup}"
    );

    // One COPY, from the build stage: the binary alone.
    let copies: Vec<&String> = runtime
        .iter()
        .filter(|(w, _)| w == "COPY")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let parts: Vec<&str> = copies[0].split_whitespace().collect();
    assert!(
        parts.contains(&format!("--from={build_name}").as_str()),
        "COPY {}: from the build stage",
        copies[0]
    );
    let paths: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|p| !p.starts_with("--"))
        .collect();
    assert_eq!(paths.len(), 2, "COPY {}: one source", copies[0]);
    assert!(
        paths[0].ends_with("/provider-hub"),
        "COPY {}: the binary only",
        copies[0]
    );
    let binary = paths[1].to_owned();
    let entrypoint = runtime
        .iter()
        .find(|(w, _)| w == "ENTRYPOINT")
        .map(|(_, a)| serde_json::from_str::<Vec<String>>(a).expect("exec form"))
        .expect("ENTRYPOINT");
    assert_eq!(entrypoint, vec![binary]);
    let cmd = runtime
        .iter()
        .find(|(w, _)| w == "CMD")
        .map(|(_, a)| serde_json::from_str::<Vec<String>>(a).expect("exec form"))
        .expect("CMD");
    assert_eq!(cmd, vec!["serve"]);

    let ignored: BTreeSet<String> = read(".dockerignore")
        .lines()
        .map(|l| l.trim().trim_matches('/').to_owned())
        .collect();
    for path in ["target", ".git", "data"] {
        assert!(ignored.contains(path), ".dockerignore leaves out {path}");
    }
    for needed in ["Cargo.lock", "crates", "migrations"] {
        assert!(!ignored.contains(needed), ".dockerignore keeps {needed}");
    }
}

both_backends!(
    the_probed_paths_answer_on_a_running_hub,
    |app: TestApp| async move {
        let deployment = one("Deployment");
        let container = hub_container(&deployment);
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
            let path = text(container, &format!("/{probe}/httpGet/path"));
            let r = app.client.get(app.url(path)).send().await.expect("send");
            assert_eq!(r.status().as_u16(), 200, "{probe} {path}");
        }
        // The path Prometheus is told to scrape answers metrics.
        let scraped = text(
            &deployment,
            "/spec/template/metadata/annotations/prometheus.io~1path",
        );
        let r = app.client.get(app.url(scraped)).send().await.expect("send");
        assert_eq!(r.status().as_u16(), 200, "{scraped}");
        let body = r.text().await.expect("text");
        assert!(body.contains("hub_http_requests_total"), "{body}");
    }
);
