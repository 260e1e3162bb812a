//! Unit tests of the repository bindings: the `.repo` parser, the binding reader, the install
//! step's arguments and the log.

use super::*;
use std::fs;

const MIRROR: &str = "[e2e-mirror]\nname=Mirror\nbaseurl=https://mirror.example:8443/rpms/$basearch\n\
                      username=builder\npassword=s3cret\ngpgcheck=0\n";

fn platform_with(bindings: &[(&str, &[(&str, &str)])]) -> (tempfile::TempDir, Platform) {
    let dir = tempfile::tempdir().unwrap();
    for (name, files) in bindings {
        let binding = dir.path().join("bindings").join(name);
        fs::create_dir_all(&binding).unwrap();
        for (file, contents) in *files {
            fs::write(binding.join(file), contents).unwrap();
        }
    }
    let platform = Platform::new(dir.path());
    (dir, platform)
}

#[test]
fn parses_sections_urls_and_continuations() {
    let repos = parse_repo_file(
        "# comment\n[a]\nbaseurl=https://one.example/a?token=x\n  file:///srv/a\nenabled=0\n\
         ; other\n[b.c:d]\nmirrorlist = https://two.example/list\n",
    )
    .unwrap();
    assert_eq!(
        repos,
        vec![
            Repository {
                id: "a".to_string(),
                urls: vec![
                    "https://one.example/a".to_string(),
                    "file:///srv/a".to_string()
                ],
                disabled: true,
            },
            Repository {
                id: "b.c:d".to_string(),
                urls: vec!["https://two.example/list".to_string()],
                disabled: false,
            },
        ]
    );
}

#[test]
fn refuses_what_is_not_a_repo_file() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "no [id] section"),
        ("baseurl=https://x\n", 1, "outside a [section]"),
        ("[a\nbaseurl=https://x\n", 1, "not a [section] line"),
        ("[main]\ngpgcheck=0\n", 1, "[main] section"),
        ("[a b]\nbaseurl=https://x\n", 1, "not letters, digits"),
        ("[a]\nname=x\n", 1, "has no baseurl"),
        ("[a]\nRUN id\n", 2, "neither [id] nor key=value"),
        ("[a]\nbaseurl=http://x/\n", 2, "not https:// or file://"),
        ("[a]\nbaseurl=https://u:p@x/\n", 2, "holds credentials"),
        ("[a]\nbaseurl=https://x/'$(id)'\n", 2, "quote or backslash"),
        (
            "[a]\nbaseurl=https://x\nsslcacert=/etc/ca.pem\n",
            3,
            "names a file",
        ),
        ("[a]\nBase-URL=https://x\n", 2, "not lower-case"),
        ("[a]\nbaseurl=https://x\x1b[2J\n", 2, "control character"),
    ];
    for (text, line, expected) in cases {
        let (at, reason) = parse_repo_file(text).unwrap_err();
        assert_eq!(at, *line, "{text:?}: {reason}");
        assert!(reason.contains(expected), "{text:?}: {reason}");
    }
    // The credentials of a refused URL are not echoed.
    let (_, reason) = parse_repo_file("[a]\nbaseurl=https://u:p@x/\n").unwrap_err();
    assert!(!reason.contains("u:p"), "{reason}");
}

#[test]
fn no_bindings_no_proxy_is_the_build_image_s_repositories() {
    let (_dir, platform) = platform_with(&[]);
    let repositories = Repositories::read(&platform).unwrap();
    assert_eq!(repositories, Repositories::default());
    assert!(repositories.dnf_options().is_empty());
    assert_eq!(repositories.extend_config().unwrap(), None);
    let step = repositories
        .install_step(ShellCommand::new("microdnf").arg("install"))
        .to_string();
    assert!(step.starts_with("sh -c '"), "{step}");
    assert!(
        step.ends_with(
            "' ubi-repositories 'the repositories of the build image' - add -- -- && microdnf install"
        ),
        "{step}"
    );
}

#[test]
fn reads_a_binding_its_ca_client_certificate_and_mode() {
    let (dir, platform) = platform_with(&[
        (
            "mirror",
            &[
                ("type", "rpm-repository\n"),
                ("mirror.repo", MIRROR),
                ("ca.crt", "CA"),
                ("client.crt", "CERT"),
                ("client.key", "KEY"),
                ("mode", "add"),
            ],
        ),
        ("certs", &[("type", "ca-certificates"), ("corp.pem", "CA2")]),
        ("other", &[("type", "mysql"), ("password", "x")]),
    ]);
    let repositories = Repositories::read(&platform).unwrap();
    let binding = dir.path().join("bindings/mirror");
    assert_eq!(
        repositories.bindings,
        vec![RepositoryBinding {
            name: "mirror".to_string(),
            dir: binding.clone(),
            mode: Mode::Add,
            files: vec![(
                "mirror.repo".to_string(),
                vec![Repository {
                    id: "e2e-mirror".to_string(),
                    urls: vec!["https://mirror.example:8443/rpms/$basearch".to_string()],
                    disabled: false,
                }]
            )],
            ca: true,
            client_certificate: true,
        }]
    );
    assert_eq!(repositories.ca_bindings[0].files, vec!["corp.pem"]);
    assert_eq!(
        repositories.dnf_options(),
        vec![
            format!("--setopt=reposdir={SCRATCH}"),
            format!("--setopt=sslcacert={SCRATCH}/ca.pem"),
            format!(
                "--setopt=sslclientcert={}",
                binding.join("client.crt").display()
            ),
            format!(
                "--setopt=sslclientkey={}",
                binding.join("client.key").display()
            ),
        ]
    );
    let step = repositories
        .install_step(ShellCommand::new("microdnf").arg("install"))
        .to_string();
    // Paths only: no value of a binding file reaches the Dockerfile.
    for secret in ["s3cret", "builder", "CERT", "KEY", "CA2"] {
        assert!(!step.contains(secret), "{secret} in {step}");
    }
    assert!(
        step.contains(&format!(
            "{} mirror-mirror.repo -- {} {} --",
            binding.join("mirror.repo").display(),
            binding.join("ca.crt").display(),
            dir.path().join("bindings/certs/corp.pem").display()
        )),
        "{step}"
    );
    assert!(step.ends_with(&format!("&& rm -rf {SCRATCH}")), "{step}");
}

#[test]
fn a_binding_without_repo_file_is_our_error() {
    let (dir, platform) = platform_with(&[("mirror", &[("type", "rpm-repository")])]);
    let error = Repositories::read(&platform).unwrap_err();
    assert_eq!(
        error,
        RepositoriesError::NoRepoFile {
            binding: dir.path().join("bindings/mirror")
        }
    );
    assert_eq!(
        error.header(),
        "The rpm-repository binding holds no .repo file"
    );
}

#[test]
fn a_repo_file_that_does_not_parse_is_our_error_naming_file_and_line() {
    let (dir, platform) = platform_with(&[(
        "mirror",
        &[
            ("type", "rpm-repository"),
            ("bad.repo", "[a]\nbaseurl ftp\n"),
        ],
    )]);
    let error = Repositories::read(&platform).unwrap_err();
    assert_eq!(error.header(), "Invalid RPM repository file");
    assert!(
        error.body().starts_with(&format!(
            "{}, line 2: \"baseurl ftp\" is neither [id] nor key=value.",
            dir.path().join("bindings/mirror/bad.repo").display()
        )),
        "{}",
        error.body()
    );
}

#[test]
fn refuses_odd_bindings() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("type", "rpm-repository"),
                ("a.repo", MIRROR),
                ("mode", "merge"),
            ],
            "expected replace (the default) or add",
        ),
        (
            &[
                ("type", "rpm-repository"),
                ("a.repo", MIRROR),
                ("client.crt", "C"),
            ],
            "a client certificate needs both",
        ),
        (
            &[("type", "rpm-repository"), ("a b.repo", MIRROR)],
            "holds characters other than",
        ),
    ];
    for (files, expected) in cases {
        let (_dir, platform) = platform_with(&[("mirror", files)]);
        let error = Repositories::read(&platform).unwrap_err();
        assert!(error.body().contains(expected), "{}", error.body());
    }
    // The same repository id twice.
    let (_dir, platform) = platform_with(&[
        ("a", &[("type", "rpm-repository"), ("a.repo", MIRROR)]),
        ("b", &[("type", "rpm-repository"), ("b.repo", MIRROR)]),
    ]);
    let error = Repositories::read(&platform).unwrap_err();
    assert!(
        error.body().contains("is also defined in"),
        "{}",
        error.body()
    );
}

#[test]
fn a_repo_file_that_is_not_a_regular_file_or_too_large_is_refused() {
    let (dir, platform) = platform_with(&[("mirror", &[("type", "rpm-repository")])]);
    let binding = dir.path().join("bindings/mirror");
    fs::create_dir(binding.join("dir.repo")).unwrap();
    let error = Repositories::read(&platform).unwrap_err();
    assert!(
        error.body().contains("not a regular file"),
        "{}",
        error.body()
    );
    fs::remove_dir(binding.join("dir.repo")).unwrap();
    let large = "#".repeat(usize::try_from(MAX_REPO_FILE_SIZE).unwrap() + 1);
    fs::write(binding.join("large.repo"), large).unwrap();
    let error = Repositories::read(&platform).unwrap_err();
    assert!(error.body().contains("larger than"), "{}", error.body());
}

#[test]
fn proxy_variables_are_build_arguments_and_logged_without_credentials() {
    let (dir, platform) = platform_with(&[]);
    fs::create_dir_all(dir.path().join("env")).unwrap();
    fs::write(
        dir.path().join("env/HTTPS_PROXY"),
        "http://user:pa@ss@proxy.corp:3128",
    )
    .unwrap();
    fs::write(dir.path().join("env/no_proxy"), "localhost,.corp").unwrap();
    let repositories = Repositories::read(&platform).unwrap();
    assert_eq!(
        repositories.proxy_arg_names(),
        vec!["HTTPS_PROXY", "no_proxy"]
    );
    assert_eq!(
        repositories.extend_config().unwrap().unwrap().to_toml(),
        "[[build.args]]\nname = \"HTTPS_PROXY\"\nvalue = \"http://user:pa@ss@proxy.corp:3128\"\n\n\
         [[build.args]]\nname = \"no_proxy\"\nvalue = \"localhost,.corp\"\n"
    );
    let mut log = cnb_extension::Log::new(Vec::new());
    repositories.log(&mut log);
    let text = String::from_utf8(log.into_inner()).unwrap();
    assert!(
        text.contains("HTTPS_PROXY=http://***@proxy.corp:3128"),
        "{text}"
    );
    assert!(!text.contains("user"), "{text}");
}

#[test]
fn the_log_names_repositories_and_bindings_never_secrets() {
    let (_dir, platform) = platform_with(&[(
        "mirror",
        &[
            ("type", "rpm-repository"),
            ("mirror.repo", MIRROR),
            ("ca.crt", "CA"),
        ],
    )]);
    let repositories = Repositories::read(&platform).unwrap();
    let mut log = cnb_extension::Log::new(Vec::new());
    repositories.log(&mut log);
    let text = String::from_utf8(log.into_inner()).unwrap();
    assert_eq!(
        text,
        "  RPM repositories:\n    From the binding mirror (rpm-repository, instead of the build \
         image's repositories):\n      e2e-mirror (mirror.repo): \
         https://mirror.example:8443/rpms/$basearch\n      CA: ca.crt\n"
    );
}

#[test]
fn redacts_proxy_credentials() {
    assert_eq!(redacted_proxy("http://u:p@h:1"), "http://***@h:1");
    assert_eq!(redacted_proxy("u:p@h:1"), "***@h:1");
    assert_eq!(redacted_proxy("https://h:1"), "https://h:1");
    assert_eq!(redacted_proxy("http://a b"), "\"http://a b\"");
}
