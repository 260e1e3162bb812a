//! Registry figures (a benchmark that prints, not a timed test), for two definitions, each
//! made and published by `packager builder create --publish` cold (an empty blob cache) and warm
//! (the same again), beside `pack builder create --publish` of the same definition (twice: pack
//! keeps no cache of remote images) against the same loopback `docker-registry`:
//!
//! - the builder-ubi8-base-shaped definition of the registry tests (stand-ins of its build
//!   image, ten run images and Paketo's four buildpackages, two of them composites), one
//!   platform, the lifecycle installed here (pack: the release archive `tests/install-lifecycle.sh`
//!   made of it);
//! - the two-platform Paketo shape of `tests/multi_platform.rs` (the composite `java` and
//!   `procfile` by `docker://` without an id, linux/amd64 and linux/arm64, on the stand-ins of
//!   `tests/support/platforms.rs`), the lifecycle as the stand-in lifecycle image of both
//!   platforms (the packager by `[lifecycle] version` from that repository, pack by
//!   `[lifecycle] uri = "docker://..."`); for each run also the image index left under the
//!   tag: per platform its layers and its size (compressed layers and config), and how many
//!   layers are the same blob on every platform.
//!
//! Time, and bytes over the wire in each direction, counted by a TCP proxy in front of the
//! registry that both tools go through. The packager is the `packager` binary of the bench
//! build (cargo's `bench` profile, which inherits `release`).
//!
//! With `BENCH_ROWS=<file>` (`tests/bench.sh`), the figures are also appended to `<file>` as
//! tab-separated rows `figure, value, target, held`.

// A benchmark: unwrap and panics are how it reports a broken setup.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "../tests/support/platforms.rs"]
mod platforms;
#[path = "../tests/support/registry.rs"]
mod registry;

use cnb_harness::BenchRows;
use platforms::{definition, raw_manifest, two_platform_registry};
use registry::{
    LIFECYCLE_VERSION, builder_create, pack_binary, pack_config, pack_config_with_lifecycle,
    packager_with_registry, registry_with_stand_ins, run, ubi8_definition,
};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// A TCP proxy on loopback in front of the registry, counting the bytes of every connection:
/// `down` from the registry to the client, `up` from the client.
struct CountingProxy {
    host: String,
    down: Arc<AtomicU64>,
    up: Arc<AtomicU64>,
}

impl CountingProxy {
    fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let (down, up) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (counted_down, counted_up, target) = (down.clone(), up.clone(), target.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let (client_out, server_out) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (down, up) = (counted_down.clone(), counted_up.clone());
                std::thread::spawn(move || copy_counting(server, client_out, &down));
                std::thread::spawn(move || copy_counting(client, server_out, &up));
            }
        });
        Self { host, down, up }
    }

    /// Runs `f` and returns its seconds and the bytes down and up meanwhile.
    fn measure(&self, f: impl FnOnce()) -> (f64, u64, u64) {
        let (down, up) = (
            self.down.load(Ordering::SeqCst),
            self.up.load(Ordering::SeqCst),
        );
        let started = Instant::now();
        f();
        let seconds = started.elapsed().as_secs_f64();
        // The proxy threads finish copying what the connections carried before they closed.
        std::thread::sleep(std::time::Duration::from_millis(200));
        (
            seconds,
            self.down.load(Ordering::SeqCst) - down,
            self.up.load(Ordering::SeqCst) - up,
        )
    }
}

fn copy_counting(mut from: TcpStream, mut to: TcpStream, counter: &AtomicU64) {
    let mut buffer = vec![0_u8; 64 * 1024];
    while let Ok(read) = from.read(&mut buffer) {
        if read == 0 || to.write_all(&buffer[..read]).is_err() {
            break;
        }
        counter.fetch_add(read as u64, Ordering::SeqCst);
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// `pack builder create <image> --config <config> --publish` with a pack home of its own
/// (image extensions are experimental in pack) and no Docker config of the machine's.
fn pack_builder_create(home: &Path, config: &Path, image: &str) -> Command {
    let mut command = Command::new(pack_binary());
    command
        .args(["builder", "create", image])
        .arg("--config")
        .arg(config)
        .args(["--publish", "--no-color"])
        .env("PACK_HOME", home)
        .env("DOCKER_CONFIG", home.join("docker-config"));
    command
}

/// A pack home of its own under `dir`, with image extensions (experimental in pack) on.
fn pack_home(dir: &Path) -> PathBuf {
    let home = dir.join("pack-home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("config.toml"), "experimental = true\n").unwrap();
    home
}

/// The four runs of a definition, measured through `proxy`: `packager` cold, then warm, then
/// pack twice with its copy of the definition `pack_toml`, publishing `pack_image`. Each printed
/// and written as a row `<scenario>: <run>`; with `images` (the packager's builder and pack's,
/// as the registry names them), what the run left under the tag is added ([`index_figures`]).
fn measure_runs(
    rows: &mut BenchRows,
    proxy: &CountingProxy,
    scenario: &str,
    packager: &dyn Fn(),
    (pack_toml, pack_image): (&Path, &str),
    images: Option<(&str, &str)>,
) {
    let home = pack_home(pack_toml.parent().unwrap());
    let pack = &|| {
        run(&mut pack_builder_create(&home, pack_toml, pack_image));
    };
    println!("== builder create --publish of {scenario}");
    for (figure, by_packager) in [
        (
            "`packager builder create --publish`, cold (empty blob cache)",
            true,
        ),
        ("`packager builder create --publish`, warm", true),
        ("`pack builder create --publish`, first", false),
        ("`pack builder create --publish`, again", false),
    ] {
        let (tool, image) = if by_packager {
            (packager, images.map(|(by_packager, _)| by_packager))
        } else {
            (pack as &dyn Fn(), images.map(|(_, by_pack)| by_pack))
        };
        let (seconds, down, up) = proxy.measure(tool);
        let mut value = format!(
            "{seconds:.2} s; {:.2} MiB down, {:.2} MiB up ({down} / {up} bytes)",
            mib(down),
            mib(up)
        );
        if let Some(image) = image {
            value = format!("{value}; {}", index_figures(image));
        }
        println!("{figure}: {value}");
        rows.figure(&format!("registry ({scenario}): {figure}"), &value);
    }
}

/// What `image` is in the registry, per platform of its index (or of its one manifest): the
/// number of layers and the image's size, its compressed layers and its config, as the
/// manifests give them; and how many layers are the same blob on every platform.
fn index_figures(image: &str) -> String {
    let json = |bytes: Vec<u8>| -> serde_json::Value { serde_json::from_slice(&bytes).unwrap() };
    let stored = json(raw_manifest(image));
    let repository = image.rsplit_once(':').unwrap().0;
    let manifests: Vec<(String, serde_json::Value)> = match stored["manifests"].as_array() {
        Some(entries) => entries
            .iter()
            .map(|entry| {
                let platform = &entry["platform"];
                let digest = entry["digest"].as_str().unwrap();
                (
                    format!(
                        "{}/{}",
                        platform["os"].as_str().unwrap(),
                        platform["architecture"].as_str().unwrap()
                    ),
                    json(raw_manifest(&format!("{repository}@{digest}"))),
                )
            })
            .collect(),
        None => vec![("one image manifest, no index".to_string(), stored)],
    };
    let layer_digests = |manifest: &serde_json::Value| -> Vec<String> {
        manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|layer| layer["digest"].as_str().unwrap().to_string())
            .collect()
    };
    let mut figures: Vec<String> = manifests
        .iter()
        .map(|(platform, manifest)| {
            let layers = manifest["layers"].as_array().unwrap();
            let bytes = layers
                .iter()
                .chain(std::iter::once(&manifest["config"]))
                .map(|blob| blob["size"].as_u64().unwrap())
                .sum::<u64>();
            format!(
                "{platform}: {} layers, {:.2} MiB ({bytes} bytes)",
                layers.len(),
                mib(bytes)
            )
        })
        .collect();
    if let [(_, first), others @ ..] = manifests.as_slice()
        && !others.is_empty()
    {
        let shared = layer_digests(first)
            .iter()
            .filter(|digest| {
                others
                    .iter()
                    .all(|(_, other)| layer_digests(other).contains(digest))
            })
            .count();
        figures.push(format!("{shared} layers the same blob on every platform"));
    }
    figures.join("; ")
}

/// The builder-ubi8-base-shaped definition, one platform.
fn ubi8_shape(rows: &mut BenchRows) {
    let (registry, work) = registry_with_stand_ins(false);
    let proxy = CountingProxy::start(&registry.host);
    let config = ubi8_definition(work.path(), &proxy.host);
    let cache = work.path().join("cache");
    let packager = || {
        run(builder_create(&config, &proxy.host, &cache).args([
            "--publish",
            &format!("{}/builders/packager:latest", proxy.host),
        ]));
    };
    measure_runs(
        rows,
        &proxy,
        "builder-ubi8-base shape, loopback registry",
        &packager,
        (
            &pack_config(&config),
            &format!("{}/builders/pack:latest", proxy.host),
        ),
        None,
    );
}

/// The two-platform Paketo shape with composites, the lifecycle from the lifecycle image.
fn two_platforms(rows: &mut BenchRows) {
    let work = tempfile::tempdir().unwrap();
    let (registry, _) = two_platform_registry(work.path());
    let proxy = CountingProxy::start(&registry.host);
    let config = definition(
        work.path(),
        &proxy.host,
        "two-platforms",
        &["linux/amd64", "linux/arm64"],
    );
    let cache = work.path().join("cache");
    let lifecycles = format!("{}/buildpacksio/lifecycle", proxy.host);
    let by_packager = "builders/two-platforms-packager:latest";
    let packager = || {
        let args = [
            "builder",
            "create",
            "--config",
            config.to_str().unwrap(),
            "--lifecycle-repository",
            &lifecycles,
            "--publish",
            &format!("{}/{by_packager}", proxy.host),
        ];
        run(&mut packager_with_registry(&args, &proxy.host, &cache));
    };
    // pack's copy: the image modules as `image`, and the lifecycle image by `uri` (pack would
    // download a version's release archive from GitHub).
    let pack_toml = pack_config_with_lifecycle(
        &config,
        &format!("docker://{lifecycles}:{LIFECYCLE_VERSION}"),
    );
    let by_pack = "builders/two-platforms-pack:latest";
    measure_runs(
        rows,
        &proxy,
        "two platforms, Paketo shape with composites, loopback registry",
        &packager,
        (&pack_toml, &format!("{}/{by_pack}", proxy.host)),
        Some((&registry.image(by_packager), &registry.image(by_pack))),
    );
}

fn main() {
    let mut rows = BenchRows::from_env();
    ubi8_shape(&mut rows);
    two_platforms(&mut rows);
}
