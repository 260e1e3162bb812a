//! Registry figures (a benchmark that prints, not a timed test): the builder-ubi8-base-shaped
//! definition of the registry tests (stand-ins of its build image, ten run images and Paketo's
//! four buildpackages, two of them composites, on a loopback `docker-registry`), made and
//! published by `packager builder create --publish` cold (an empty blob cache) and warm (the
//! same again), beside `pack builder create --publish` of the same definition (twice: pack keeps
//! no cache of remote images) against the same registry. Time, and bytes over the wire in each
//! direction, counted by a TCP proxy in front of the registry that both tools go through.
//!
//! With `BENCH_ROWS=<file>` (`tests/bench.sh`), the figures are also appended to `<file>` as
//! tab-separated rows `figure, value, target, held`.

// A benchmark: unwrap and panics are how it reports a broken setup.
#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]
// Required due to: https://github.com/rust-lang/rust/issues/95513
#![allow(unused_crate_dependencies)]

#[path = "../tests/support/registry.rs"]
mod fixtures;

use cnb_harness::BenchRows;
use fixtures::{
    builder_create, pack_binary, pack_config, registry_with_stand_ins, run, ubi8_definition,
};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
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

fn main() {
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
    let pack_toml = pack_config(&config);
    let pack_home = work.path().join("pack-home");
    std::fs::create_dir_all(&pack_home).unwrap();
    std::fs::write(pack_home.join("config.toml"), "experimental = true\n").unwrap();
    let pack = || {
        run(Command::new(pack_binary())
            .args([
                "builder",
                "create",
                &format!("{}/builders/pack:latest", proxy.host),
            ])
            .arg("--config")
            .arg(&pack_toml)
            .args(["--publish", "--no-color"])
            .env("PACK_HOME", &pack_home)
            .env("DOCKER_CONFIG", work.path().join("docker-config")));
    };

    let mut rows = BenchRows::from_env();
    println!("== builder create --publish of the builder-ubi8-base-shaped definition");
    for (figure, tool) in [
        (
            "`packager builder create --publish`, cold (empty blob cache)",
            &packager as &dyn Fn(),
        ),
        ("`packager builder create --publish`, warm", &packager),
        ("`pack builder create --publish`, first", &pack),
        ("`pack builder create --publish`, again", &pack),
    ] {
        let (seconds, down, up) = proxy.measure(tool);
        let value = format!(
            "{seconds:.2} s; {:.2} MiB down, {:.2} MiB up ({down} / {up} bytes)",
            mib(down),
            mib(up)
        );
        println!("{figure}: {value}");
        rows.figure(
            &format!("registry (builder-ubi8-base shape, loopback registry): {figure}"),
            &value,
        );
    }
}
