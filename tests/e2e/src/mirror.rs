//! A restricted network for the extensions' RPM mirror support (issue 23): a test CA and a
//! loopback HTTPS server signed by it serving the stack's RPM repository ([`HttpsMirror`]), a
//! loopback forward proxy of the tests' own that is the only way to a host name nothing else
//! resolves ([`ConnectProxy`]), an `rpm-repository` binding directory ([`RepositoryBinding`]),
//! and a scan of images and cache volumes for secrets ([`assert_nowhere`]).

use crate::{Published, e2e_dir, skopeo_copy};
use cnb_harness::command::{output, run_ok, stdout_text};
use cnb_harness::free_port;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The host name of the mirror that only [`ConnectProxy`] resolves (`.invalid` resolves nowhere).
pub const PROXIED_HOST: &str = "mirror.e2e.invalid";

/// A CA made with openssl for this run, and a server certificate it signed for `127.0.0.1` and
/// [`PROXIED_HOST`].
#[derive(Debug)]
pub struct TestCa {
    dir: tempfile::TempDir,
}

impl TestCa {
    /// A new CA and server certificate (RSA 2048, one day).
    #[must_use]
    pub fn new() -> Self {
        let dir = tempfile::tempdir_in(e2e_dir()).unwrap_or_else(|e| panic!("temp dir: {e}"));
        let openssl = |args: &[&str]| {
            let _ = run_ok(Command::new("openssl").args(args).current_dir(dir.path()));
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "1",
            "-subj",
            "/CN=e2e test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=e2e mirror",
        ]);
        std::fs::write(
            dir.path().join("san.ext"),
            format!("subjectAltName=DNS:{PROXIED_HOST},IP:127.0.0.1\n"),
        )
        .unwrap_or_else(|e| panic!("write san.ext: {e}"));
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "1",
            "-extfile",
            "san.ext",
        ]);
        Self { dir }
    }

    /// The CA certificate (PEM).
    #[must_use]
    pub fn ca_pem(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("ca.crt"))
            .unwrap_or_else(|e| panic!("read ca.crt: {e}"))
    }

    /// A line of the CA certificate's base64 body: what a copy of it in a layer would hold.
    #[must_use]
    pub fn ca_fingerprint_line(&self) -> String {
        self.ca_pem().lines().nth(3).unwrap_or_default().to_string()
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// The HTTPS server: `python3 -c HTTPS_SERVER <port> <cert> <key>`, serving its working
/// directory on 127.0.0.1.
const HTTPS_SERVER: &str = "import http.server, ssl, sys\n\
    server = http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), \
    http.server.SimpleHTTPRequestHandler)\n\
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n\
    context.load_cert_chain(sys.argv[2], sys.argv[3])\n\
    server.socket = context.wrap_socket(server.socket, server_side=True)\n\
    server.serve_forever()\n";

/// A loopback HTTPS server on `127.0.0.1:<port>` serving the stack's RPM repository over HTTPS
/// with the certificate of a [`TestCa`]; stopped when dropped.
#[derive(Debug)]
pub struct HttpsMirror {
    /// Its port.
    pub port: u16,
    child: Child,
}

impl HttpsMirror {
    /// Starts serving `Published::get().rpms`: Python's threading HTTP server wrapped in TLS
    /// (`openssl s_server -WWW` serves one connection at a time and does not decode `%2B` in
    /// the RPMs' file names, e.g. `gcc-c%2B%2B`).
    #[must_use]
    pub fn start(ca: &TestCa) -> Self {
        let port = free_port();
        let child = Command::new("python3")
            .arg("-c")
            .arg(HTTPS_SERVER)
            .arg(port.to_string())
            .arg(ca.dir.path().join("server.crt"))
            .arg(ca.dir.path().join("server.key"))
            .current_dir(&Published::get().rpms)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start the HTTPS mirror (python3): {e}"));
        let mut mirror = Self { port, child };
        // Ready once it accepts a connection (it binds before it accepts).
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = mirror.child.try_wait() {
                panic!("the HTTPS mirror exited: {status}");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        mirror
    }
}

impl Drop for HttpsMirror {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A forward proxy of the tests' own on `127.0.0.1:<port>`: HTTP `CONNECT` only, with Basic
/// credentials required, [`PROXIED_HOST`] resolved to `127.0.0.1` (nothing else resolves it).
/// Records the `host:port` of each tunnel it opened.
#[derive(Debug)]
pub struct ConnectProxy {
    /// Its port.
    pub port: u16,
    /// The tunnels it opened, `host:port`.
    pub tunnels: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    /// Starts the proxy (its threads live as long as the test process), requiring `user` and
    /// `password`.
    #[must_use]
    pub fn start(user: &str, password: &str) -> Self {
        let listener =
            TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind the proxy: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let expected = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
        let recorded = Arc::clone(&tunnels);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (expected, recorded) = (expected.clone(), Arc::clone(&recorded));
                std::thread::spawn(move || tunnel(client, &expected, &recorded));
            }
        });
        Self { port, tunnels }
    }
}

/// One `CONNECT` request of `client`: a tunnel to the host it names.
fn tunnel(client: TcpStream, authorization: &str, tunnels: &Mutex<Vec<String>>) {
    let Ok(reader_side) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader_side.take(16 * 1024));
    let mut request = String::new();
    let mut authorized = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("proxy-authorization")
        {
            authorized = value.trim() == authorization;
        }
        if request.is_empty() {
            request = line;
        }
    }
    let mut client = client;
    let target = request
        .strip_prefix("CONNECT ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    if !authorized {
        let _ = client.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\n\
              Proxy-Authenticate: Basic realm=\"e2e\"\r\nContent-Length: 0\r\n\
              Connection: close\r\n\r\n",
        );
        return;
    }
    let resolved = target.replace(PROXIED_HOST, "127.0.0.1");
    let Ok(upstream) = TcpStream::connect(resolved.as_str()) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
        return;
    };
    if let Ok(mut tunnels) = tunnels.lock() {
        tunnels.push(target);
    }
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    // What the client sent after its request head is in the reader's buffer: none for CONNECT
    // (the client waits for the 200 before its TLS handshake).
    let (Ok(mut up_write), Ok(mut up_read), Ok(mut client_write)) = (
        upstream.try_clone(),
        upstream.try_clone(),
        client.try_clone(),
    ) else {
        return;
    };
    let mut client_read = reader.into_inner().into_inner();
    let upload = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut up_write);
        let _ = up_write.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut up_read, &mut client_write);
    let _ = client_write.shutdown(std::net::Shutdown::Write);
    let _ = upload.join();
}

/// Standard base64 (with padding), for the proxy's expected `Proxy-Authorization`.
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The name of the [`RepositoryBinding`] (`/platform/bindings/<name>`).
pub const BINDING_NAME: &str = "corp-mirror";

/// The id of the repository the [`RepositoryBinding`] holds (`<id>.repo`).
pub const REPOSITORY_ID: &str = "corp-appstream";

/// An `rpm-repository` binding directory, [`BINDING_NAME`]: `type`, one `.repo` file (the
/// repository [`REPOSITORY_ID`]), optionally `ca.crt`.
#[derive(Debug)]
pub struct RepositoryBinding {
    dir: tempfile::TempDir,
}

impl RepositoryBinding {
    /// The binding with the repository at `baseurl`, credentials `e2e-repo-user`/`password`,
    /// and `ca` as `ca.crt` when given.
    #[must_use]
    pub fn new(baseurl: &str, password: &str, ca: Option<&str>) -> Self {
        let dir = tempfile::tempdir_in(e2e_dir()).unwrap_or_else(|e| panic!("temp dir: {e}"));
        let write = |file: &str, contents: &str| {
            std::fs::write(dir.path().join(file), contents)
                .unwrap_or_else(|e| panic!("write {file}: {e}"));
        };
        write("type", "rpm-repository\n");
        write(
            &format!("{REPOSITORY_ID}.repo"),
            &format!(
                "[{REPOSITORY_ID}]\nname=End-to-end mirror\nbaseurl={baseurl}\nusername=e2e-repo-user\n\
                 password={password}\ngpgcheck=0\nenabled=1\n"
            ),
        );
        if let Some(ca) = ca {
            write("ca.crt", ca);
        }
        // The phases run as the build user; the binding is read as root in the extender, and
        // by generate as the build user.
        let _ = run_ok(Command::new("chmod").arg("-R").arg("a+rX").arg(dir.path()));
        Self { dir }
    }

    /// `pack build --volume` for it: `<dir>:/platform/bindings/<name>:ro`.
    #[must_use]
    pub fn volume(&self) -> String {
        format!(
            "{}:/platform/bindings/{BINDING_NAME}:ro",
            self.dir.path().display()
        )
    }
}

/// Panics when any of `secrets` is in a layer, config or history of `images` (in the loopback
/// registry) or in a file of the podman volumes whose names start with `volume_prefix` (pack's
/// build, launch and kaniko caches of an app: the extender's cache holds the extended build
/// image's layers). Gzipped blobs are searched decompressed.
pub fn assert_nowhere(secrets: &[&str], images: &[&str], volume_prefix: &str) {
    let scratch = tempfile::tempdir_in(e2e_dir()).unwrap_or_else(|e| panic!("temp dir: {e}"));
    let mut roots: Vec<(String, PathBuf)> = Vec::new();
    for (index, image) in images.iter().enumerate() {
        let layout = scratch.path().join(format!("image-{index}"));
        skopeo_copy(
            &format!("docker://{image}"),
            &format!("oci:{}:latest", layout.display()),
        );
        roots.push(((*image).to_string(), layout));
    }
    let volumes = stdout_text(&run_ok(Command::new("podman").args([
        "volume",
        "ls",
        "--format",
        "{{.Name}}",
    ])));
    let mut found_volume = false;
    for volume in volumes.lines().filter(|v| v.starts_with(volume_prefix)) {
        let mountpoint = stdout_text(&run_ok(Command::new("podman").args([
            "volume",
            "inspect",
            "--format",
            "{{.Mountpoint}}",
            volume,
        ])));
        found_volume |= volume.ends_with(".kaniko");
        roots.push((format!("volume {volume}"), PathBuf::from(mountpoint.trim())));
    }
    assert!(
        found_volume,
        "no kaniko cache volume {volume_prefix}*.kaniko among:\n{volumes}"
    );
    for (what, root) in &roots {
        let files = cnb_harness::walk(root)
            .into_iter()
            .filter(|(_, kind)| kind.is_file());
        for (file, _) in files {
            let bytes = std::fs::read(&file).unwrap_or_default();
            let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
                output(Command::new("gzip").arg("-dc").arg(&file)).stdout
            } else {
                bytes
            };
            for secret in secrets {
                assert!(
                    !contains(&bytes, secret.as_bytes()),
                    "{secret:?} is in {what}: {}",
                    file.display()
                );
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
