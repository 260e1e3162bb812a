//! The registry and podman's Docker API service the tests build against: started when a test
//! first needs them ([`Endpoints::get`]), so that listing the tests, or a filter that matches
//! none of them, starts nothing; stopped, with what the run left in podman, when the suite's
//! [`ServicesGuard`] drops after the tests (also when one failed).

use crate::{e2e_dir, tools_dir};
use cnb_harness::{Podman, workspace_root};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// A child process killed (SIGTERM, then waited for) when the value drops.
#[derive(Debug)]
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// Where the services listen, for the tests.
#[derive(Debug)]
pub struct Endpoints {
    /// `127.0.0.1:<port>`: the registry.
    pub registry: String,
    /// `unix://<dir>/podman.sock`: `DOCKER_HOST` for pack.
    pub docker_host: String,
    /// pack's home (`PACK_HOME`): its config (`experimental = true`), of this run only.
    pub(crate) pack_home: PathBuf,
    /// What podman's API service writes to stderr: shown when a pack command fails, since pack
    /// reports the service's own failures only as a status code (e.g. `-1`).
    pub(crate) podman_log: PathBuf,
}

static ENDPOINTS: OnceLock<Endpoints> = OnceLock::new();

/// The services once started, until the [`ServicesGuard`] stops them.
static RUNNING: Mutex<Option<Services>> = Mutex::new(None);

impl Endpoints {
    /// The endpoints of the services, which start on the first call (once per process).
    pub fn get() -> &'static Endpoints {
        ENDPOINTS.get_or_init(|| {
            let (services, endpoints) = Services::start();
            *RUNNING.lock().unwrap_or_else(PoisonError::into_inner) = Some(services);
            endpoints
        })
    }

    /// The last `lines` lines of podman's API service log, for a failure message.
    #[must_use]
    pub fn podman_log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.podman_log).unwrap_or_else(|error| {
            format!("(cannot read {}: {error})", self.podman_log.display())
        });
        let all: Vec<&str> = text.lines().collect();
        let tail = all[all.len().saturating_sub(lines)..].join("\n");
        format!(
            "podman system service, last {} of {} log lines ({}):\n{tail}",
            lines.min(all.len()),
            all.len(),
            self.podman_log.display()
        )
    }

    /// `<registry>/e2e/<name>`: where the tests put an image.
    #[must_use]
    pub fn image(&self, name: &str) -> String {
        format!("{}/e2e/{name}", self.registry)
    }
}

/// Held by the suite's main across the tests: when it drops, it stops the services a test
/// started (nothing when none did) and removes what the run left in podman.
#[derive(Debug)]
pub struct ServicesGuard(());

impl ServicesGuard {
    /// Starts nothing: the services start when a test first needs them.
    #[must_use]
    pub fn new() -> Self {
        Self(())
    }
}

impl Default for ServicesGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ServicesGuard {
    fn drop(&mut self) {
        let running = RUNNING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(running);
    }
}

/// Images that reach podman's storage under names outside the registry (e.g. stand-ins pulled
/// as `docker.io/...` through the mirror): removed when the [`Services`] drop.
static REMOVE_WHEN_DONE: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Removes `image` from podman's storage when the tests end.
pub fn remove_when_done(image: &str) {
    REMOVE_WHEN_DONE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(image.to_string());
}

/// The registry and podman's Docker API service, and the files they run with; everything is
/// stopped and removed when the value drops (also when a test panicked).
#[derive(Debug)]
struct Services {
    // Held for their Drop: the services stop, then the directory goes (fields drop in order).
    _podman_service: Service,
    _registry: Service,
    _dir: tempfile::TempDir,
    /// `127.0.0.1:<port>`: the registry, whose images and pack cache volumes are this run's.
    registry: String,
    /// pack's ephemeral images that were there before the run (another run's).
    pack_local_before: Vec<String>,
}

impl Services {
    /// Starts the registry on a free loopback port and `podman system service` with a
    /// registries.conf of the tests' own: the registry is plain HTTP, and `docker.io`
    /// (`index.docker.io`) is mirrored to it for the stand-ins of Docker Hub's images.
    /// Podman's other settings come from `CONTAINERS_CONF` (tests/test.sh sets it; it must be
    /// set). The run's figures (`<target>/e2e/figures.tsv`) start empty.
    fn start() -> (Services, Endpoints) {
        for tool in ["docker-registry", "podman", "skopeo"] {
            assert!(
                cnb_harness::command::on_path(tool).is_some(),
                "{tool} is not on PATH: tests/test.sh installs it"
            );
        }
        let containers_conf = std::env::var_os("CONTAINERS_CONF").map(PathBuf::from);
        assert!(
            containers_conf.as_deref().is_some_and(Path::is_file),
            "CONTAINERS_CONF must name podman's settings for the tests: run tests/test.sh --e2e, \
             or export CONTAINERS_CONF={}",
            workspace_root().join("tests/containers.conf").display()
        );
        let pack = tools_dir().join("bin/pack");
        assert!(
            pack.is_file(),
            "{} is missing: run tests/install-pack.sh",
            pack.display()
        );
        std::fs::create_dir_all(e2e_dir()).expect("create the e2e dir");
        let _ = std::fs::remove_file(e2e_dir().join("figures.tsv"));
        let dir = tempfile::Builder::new()
            .prefix("services-")
            .tempdir_in(e2e_dir())
            .expect("create the services dir");
        let port = cnb_harness::free_port();
        let registry_host = format!("127.0.0.1:{port}");
        let config = dir.path().join("registry.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {registry_host}\n",
                dir.path().join("registry").display()
            ),
        )
        .expect("write the registry config");
        let registry = Service(
            Command::new("docker-registry")
                .arg("serve")
                .arg(&config)
                .stdout(std::fs::File::create(dir.path().join("registry.log")).expect("log"))
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("start docker-registry"),
        );
        let (status, _) = cnb_harness::http_get(port, "/v2/", Duration::from_secs(30))
            .unwrap_or_else(|error| panic!("the registry did not start: {error}"));
        assert_eq!(status, 200, "the registry's /v2/");

        let registries_conf = dir.path().join("registries.conf");
        let mut conf = format!("[[registry]]\nlocation = \"{registry_host}\"\ninsecure = true\n");
        for prefix in ["docker.io", "index.docker.io"] {
            let _ = write!(
                conf,
                "\n[[registry]]\nprefix = \"{prefix}\"\nlocation = \"docker.io\"\n\
                 [[registry.mirror]]\nlocation = \"{registry_host}\"\ninsecure = true\n"
            );
        }
        std::fs::write(&registries_conf, conf).expect("write registries.conf");
        let socket = dir.path().join("podman.sock");
        let docker_host = format!("unix://{}", socket.display());
        // Kept after the run (next to figures.tsv), for a failure seen only in CI.
        let podman_log = e2e_dir().join("podman.log");
        let podman_service = Service(
            Command::new("podman")
                .args(["system", "service", "--time=0", &docker_host])
                .env("CONTAINERS_REGISTRIES_CONF", &registries_conf)
                .stdout(std::process::Stdio::null())
                .stderr(std::fs::File::create(&podman_log).expect("log"))
                .spawn()
                .expect("start podman system service"),
        );
        let started = Instant::now(); // clock: a hang guard (cnb_harness::HANG_GUARD)
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                // clock: the hang guard.
                started.elapsed() < cnb_harness::HANG_GUARD,
                "podman system service did not listen on {}",
                socket.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // pack refuses builders with image extensions unless its experimental features are on.
        let pack_home = dir.path().join("pack-home");
        std::fs::create_dir_all(&pack_home).expect("create PACK_HOME");
        std::fs::write(pack_home.join("config.toml"), "experimental = true\n")
            .expect("write pack's config");
        let services = Services {
            pack_local_before: pack_local_images(&Podman::locate()),
            registry: registry_host.clone(),
            _podman_service: podman_service,
            _registry: registry,
            _dir: dir,
        };
        let endpoints = Endpoints {
            registry: registry_host,
            docker_host,
            pack_home,
            podman_log,
        };
        (services, endpoints)
    }
}

/// The images pack leaves in podman as ephemeral run images (`pack.local/run-image/...`).
fn pack_local_images(podman: &Podman) -> Vec<String> {
    let images = podman.output(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    String::from_utf8_lossy(&images.stdout)
        .lines()
        .filter(|image| image.starts_with("pack.local/"))
        .map(str::to_string)
        .collect()
}

impl Drop for Services {
    /// Removes what pack left in podman for this run: its cache volumes (named after the app
    /// images, which carry the registry's port), the images it pulled from this run's registry,
    /// its ephemeral run images, and the stand-ins pulled through the mirror.
    fn drop(&mut self) {
        let registry = &self.registry;
        let podman = Podman::locate();
        let app_prefix = format!("_{}", app_name(registry, ""));
        let volumes = podman.output(&["volume", "ls", "--format", "{{.Name}}"]);
        for volume in String::from_utf8_lossy(&volumes.stdout).lines() {
            if volume.starts_with("pack-cache-") && volume.contains(&app_prefix) {
                let _ = podman.output(&["volume", "rm", "--force", volume]);
            }
        }
        let images = podman.output(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
        let remove = REMOVE_WHEN_DONE
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for image in String::from_utf8_lossy(&images.stdout).lines() {
            if image.starts_with(registry.as_str())
                || remove.iter().any(|name| name == image)
                || (image.starts_with("pack.local/")
                    && !self.pack_local_before.iter().any(|before| before == image))
            {
                let _ = podman.output(&["rmi", "--force", image]);
            }
        }
    }
}

/// The repository name of an app's image: `app-<registry port>-<name>` (pack names its cache
/// volumes after it, so this run's volumes are known by it).
pub(crate) fn app_name(registry: &str, name: &str) -> String {
    let port = registry.rsplit(':').next().unwrap_or_default();
    format!("app-{port}-{name}")
}
