// Shared by the tests that need a misbehaving registry; each uses part of it.
#![allow(dead_code)]

//! A hostile registry of the tests' own: an HTTP/1.1 server on loopback (a listener thread,
//! one thread per connection, one request per connection) that answers each `METHOD path`
//! with a scripted response: any status and headers (`{host}` in a header value is replaced
//! by its `host:port`), and a body that is given bytes, endless, a byte every so often, or
//! headers and then nothing. Stopped (its threads told to end, the listener joined) on drop.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What follows the headers.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// These bytes, with their `Content-Length`.
    Bytes(Vec<u8>),
    /// `byte` repeated without end (no `Content-Length`, the connection closed by the client).
    Endless(u8),
    /// `len` bytes of `byte`, with their `Content-Length` (a huge body without holding it).
    Repeat { byte: u8, len: u64 },
    /// A declared `Content-Length` of 1000, then one byte every `every`.
    Trickle { every: Duration },
    /// A declared `Content-Length` of 1000, then nothing.
    Stall,
    /// Not even the status line: the request read, then nothing.
    NoAnswer,
    /// The request read, then the connection closed without an answer.
    Close,
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
}

impl Answer {
    pub(crate) fn new(status: u16, body: Body) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// An answer without a body.
    pub(crate) fn empty(status: u16) -> Self {
        Self::new(status, Body::Bytes(Vec::new()))
    }

    pub(crate) fn json(status: u16, body: &str) -> Self {
        Self::new(status, Body::Bytes(body.as_bytes().to_vec()))
            .header("Content-Type", "application/json")
    }

    #[must_use]
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// The server; `routes` are `("GET /v2/", answer)`: method and path (without the query),
/// a path ending in `*` matching every path it starts with. A route given several times
/// answers its nth request with its nth answer (the last one repeated). Unrouted requests
/// get 404.
pub(crate) struct HostileRegistry {
    pub(crate) host: String,
    stop: Arc<AtomicBool>,
    listener: Option<JoinHandle<()>>,
    /// Every request line received (`GET /v2/ HTTP/1.1`).
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
}

impl HostileRegistry {
    pub(crate) fn start(routes: Vec<(&str, Answer)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let routes: Arc<Vec<(String, Answer)>> = Arc::new(
            routes
                .into_iter()
                .map(|(key, mut answer)| {
                    for (_, value) in &mut answer.headers {
                        *value = value.replace("{host}", &host);
                    }
                    (key.to_string(), answer)
                })
                .collect(),
        );
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let answered: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let thread = {
            let (stop, requests) = (stop.clone(), requests.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (stop, routes, requests) = (stop.clone(), routes.clone(), requests.clone());
                    let answered = answered.clone();
                    std::thread::spawn(move || {
                        serve(stream, &routes, &stop, &requests, &answered);
                    });
                }
            })
        };
        Self {
            host,
            stop,
            listener: Some(thread),
            requests,
        }
    }

    pub(crate) fn image(&self, name: &str) -> String {
        format!("{}/{name}", self.host)
    }

    /// How many requests `line_start` (`GET /v2/a/b/manifests/latest`) began.
    pub(crate) fn count(&self, line_start: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|line| line.starts_with(line_start))
            .count()
    }
}

impl Drop for HostileRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the listener up.
        let _ = TcpStream::connect(&self.host);
        if let Some(thread) = self.listener.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    mut stream: TcpStream,
    routes: &[(String, Answer)],
    stop: &AtomicBool,
    requests: &Mutex<Vec<String>>,
    answered: &Mutex<HashMap<String, usize>>,
) {
    let Ok(reader) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    let request_line = line.trim_end().to_string();
    requests.lock().unwrap().push(request_line.clone());
    let mut length: u64 = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let _ = std::io::copy(&mut (&mut reader).take(length), &mut std::io::sink());
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("").split('?').next().unwrap_or("");
    let key = format!("{method} {path}");
    let answer = choose(&key, routes, answered);
    let wait = |every: Duration| {
        std::thread::sleep(every);
        !stop.load(Ordering::SeqCst)
    };
    if matches!(answer.body, Body::Close) {
        return;
    }
    if matches!(answer.body, Body::NoAnswer) {
        while wait(Duration::from_millis(100)) {}
        return;
    }
    let mut head = format!(
        "HTTP/1.1 {} Scripted\r\nConnection: close\r\n",
        answer.status
    );
    for (name, value) in &answer.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    match &answer.body {
        Body::Bytes(bytes) => {
            let _ = write!(head, "Content-Length: {}\r\n", bytes.len());
        }
        Body::Repeat { len, .. } => {
            let _ = write!(head, "Content-Length: {len}\r\n");
        }
        Body::Trickle { .. } | Body::Stall => head.push_str("Content-Length: 1000\r\n"),
        Body::Endless(_) | Body::NoAnswer | Body::Close => {}
    }
    head.push_str("\r\n");
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let chunk = |byte: u8| vec![byte; 64 << 10];
    match &answer.body {
        Body::Bytes(bytes) => {
            let _ = stream.write_all(bytes);
        }
        Body::Repeat { byte, len } => {
            let block = chunk(*byte);
            let mut left = *len;
            while left > 0 && !stop.load(Ordering::SeqCst) {
                let n = usize::try_from(left.min(block.len() as u64)).unwrap();
                if stream.write_all(&block[..n]).is_err() {
                    return;
                }
                left -= n as u64;
            }
        }
        Body::Endless(byte) => {
            let block = chunk(*byte);
            while !stop.load(Ordering::SeqCst) && stream.write_all(&block).is_ok() {}
        }
        Body::Trickle { every } => {
            for _ in 0..1000 {
                if !wait(*every) || stream.write_all(b"x").is_err() {
                    return;
                }
            }
        }
        Body::Stall => while wait(Duration::from_millis(100)) {},
        Body::NoAnswer | Body::Close => {}
    }
    let _ = stream.flush();
}

/// The answer to `key` (`METHOD path`): its route's nth answer for its nth request.
fn choose(
    key: &str,
    routes: &[(String, Answer)],
    answered: &Mutex<HashMap<String, usize>>,
) -> Answer {
    let matching: Vec<&(String, Answer)> = routes
        .iter()
        .filter(|(route, _)| match route.strip_suffix('*') {
            Some(prefix) => key.starts_with(prefix),
            None => *route == key,
        })
        .collect();
    match matching.first() {
        None => Answer::json(404, r#"{"errors":[]}"#),
        Some((route, _)) => {
            let mut answered = answered.lock().unwrap();
            let count = answered.entry(route.clone()).or_insert(0);
            let nth = (*count).min(matching.len() - 1);
            *count += 1;
            matching[nth].1.clone()
        }
    }
}
