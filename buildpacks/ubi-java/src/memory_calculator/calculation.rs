//! Paketo's JVM memory calculator (libjvm `calc`), re-implemented.
//!
//! The JVM's memory is split into regions. The fixed ones are sized first: direct memory
//! (default 10M), metaspace (14,000,000 bytes plus 5,800 per loaded class), the reserved code
//! cache (default 240M) and one thread stack (default 1M) per thread. Then head room (a
//! percentage of the total, default 0) is set aside, and the heap gets the rest. A region the
//! user already sized in `JAVA_TOOL_OPTIONS` keeps the user's value and its flag is not emitted.
//! When the regions do not fit in the total memory, the calculation fails, naming the numbers.

use std::fmt;

/// 1 KiB.
pub const KIB: u64 = 1024;
/// 1 MiB.
pub const MIB: u64 = 1024 * KIB;
/// 1 GiB.
pub const GIB: u64 = 1024 * MIB;
/// 1 TiB.
pub const TIB: u64 = 1024 * GIB;

/// Metaspace needed regardless of the class count (libjvm `ClassOverhead`).
pub const CLASS_OVERHEAD: u64 = 14_000_000;
/// Metaspace per loaded class (libjvm `ClassSize`).
pub const CLASS_SIZE: u64 = 5_800;
/// Default `-XX:MaxDirectMemorySize`.
pub const DEFAULT_DIRECT_MEMORY: u64 = 10 * MIB;
/// Default `-XX:ReservedCodeCacheSize`.
pub const DEFAULT_RESERVED_CODE_CACHE: u64 = 240 * MIB;
/// Default `-Xss`.
pub const DEFAULT_STACK: u64 = MIB;

/// A memory size as the JVM flags write it: whole KiB, in the largest unit that divides it
/// exactly (`10M`, `1G`, `1536K`); below 1 KiB, `0` (libjvm's format).
#[must_use]
pub fn format_size(bytes: u64) -> String {
    let kib = bytes / KIB;
    match kib {
        0 => "0".to_string(),
        _ if kib.is_multiple_of(GIB) => format!("{}T", kib / GIB),
        _ if kib.is_multiple_of(MIB) => format!("{}G", kib / MIB),
        _ if kib.is_multiple_of(KIB) => format!("{}M", kib / KIB),
        _ => format!("{kib}K"),
    }
}

/// Parses `<digits>[bkmgt]` (case-insensitive unit, none or `b` meaning bytes), as the JVM's
/// size flags and cgroup files write sizes. `None` for anything else or on overflow.
#[must_use]
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((index, unit)) if unit.is_ascii_alphabetic() => (&text[..index], Some(unit)),
        _ => (text, None),
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let value: u64 = digits.parse().ok()?;
    let multiplier = match unit.map(|unit| unit.to_ascii_lowercase()) {
        None | Some('b') => 1,
        Some('k') => KIB,
        Some('m') => MIB,
        Some('g') => GIB,
        Some('t') => TIB,
        Some(_) => return None,
    };
    value.checked_mul(multiplier)
}

/// The memory regions the calculator sizes, in the order their flags are emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RegionKind {
    /// `-XX:MaxDirectMemorySize`.
    DirectMemory,
    /// `-Xmx`.
    Heap,
    /// `-XX:MaxMetaspaceSize`.
    Metaspace,
    /// `-XX:ReservedCodeCacheSize`.
    ReservedCodeCache,
    /// `-Xss` (per thread).
    Stack,
}

impl RegionKind {
    /// Every region, in emission order.
    pub const ALL: [Self; 5] = [
        Self::DirectMemory,
        Self::Heap,
        Self::Metaspace,
        Self::ReservedCodeCache,
        Self::Stack,
    ];

    /// The flag prefix the calculator writes, the value following it directly.
    #[must_use]
    pub const fn flag(self) -> &'static str {
        match self {
            Self::DirectMemory => "-XX:MaxDirectMemorySize=",
            Self::Heap => "-Xmx",
            Self::Metaspace => "-XX:MaxMetaspaceSize=",
            Self::ReservedCodeCache => "-XX:ReservedCodeCacheSize=",
            Self::Stack => "-Xss",
        }
    }

    /// The prefixes by which a user sets this region (the flag, and `HotSpot`'s long name for the
    /// heap).
    const fn user_prefixes(self) -> &'static [&'static str] {
        match self {
            Self::Heap => &["-Xmx", "-XX:MaxHeapSize="],
            Self::DirectMemory => &["-XX:MaxDirectMemorySize="],
            Self::Metaspace => &["-XX:MaxMetaspaceSize="],
            Self::ReservedCodeCache => &["-XX:ReservedCodeCacheSize="],
            Self::Stack => &["-Xss"],
        }
    }
}

/// One sized region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Which region.
    pub kind: RegionKind,
    /// Its size in bytes (per thread for the stack).
    pub bytes: u64,
    /// Whether the user set it in `JAVA_TOOL_OPTIONS` (its flag is then not emitted).
    pub user_configured: bool,
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.flag(), format_size(self.bytes))
    }
}

/// What the calculation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calculator {
    /// The memory available to the JVM, in bytes.
    pub total_memory: u64,
    /// Threads to reserve stack for (`BPL_JVM_THREAD_COUNT`, default 250).
    pub thread_count: u64,
    /// Classes the JVM will load (already scaled by the 35% factor).
    pub loaded_class_count: u64,
    /// Percentage of the total memory left unallocated (`BPL_JVM_HEAD_ROOM`, default 0).
    pub head_room: u64,
}

/// The result: every region, and the head room set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryConfiguration {
    /// The regions in emission order: direct memory, heap, metaspace, code cache, stack.
    pub regions: [Region; 5],
    /// The head room in bytes.
    pub head_room: u64,
}

impl MemoryConfiguration {
    /// The flags of the regions the user did not set, in emission order.
    #[must_use]
    pub fn calculated_flags(&self) -> Vec<String> {
        self.regions
            .iter()
            .filter(|region| !region.user_configured)
            .map(ToString::to_string)
            .collect()
    }

    /// The region of a kind.
    #[must_use]
    pub fn region(&self, kind: RegionKind) -> Region {
        self.regions
            .iter()
            .copied()
            .find(|region| region.kind == kind)
            .unwrap_or(Region {
                kind,
                bytes: 0,
                user_configured: false,
            })
    }
}

/// Why the calculation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemoryError {
    /// `JAVA_TOOL_OPTIONS` cannot be split into words (an unterminated quote).
    UnparsableOptions {
        /// The value.
        options: String,
    },
    /// A size flag the user set has a value that is not a size.
    InvalidUserFlag {
        /// The flag as written.
        flag: String,
    },
    /// The regions do not fit.
    TooLittleMemory {
        /// Which regions: `fixed`, `non-heap` or `all`.
        regions: &'static str,
        /// What they need, in bytes.
        required: u64,
        /// The total memory, in bytes.
        available: u64,
        /// The regions, e.g. `-XX:MaxDirectMemorySize=10M, ... , -Xss1M * 250 threads`.
        breakdown: String,
    },
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnparsableOptions { options } => write!(
                f,
                "cannot split JAVA_TOOL_OPTIONS into options (unterminated quote?): {options:?}"
            ),
            Self::InvalidUserFlag { flag } => write!(
                f,
                "JAVA_TOOL_OPTIONS sets {flag:?}, which is not a size (use e.g. 512m, 2g)"
            ),
            Self::TooLittleMemory {
                regions,
                required,
                available,
                breakdown,
            } => write!(
                f,
                "{regions} memory regions require {} which is greater than {} available for allocation: {breakdown}",
                format_size(*required),
                format_size(*available)
            ),
        }
    }
}

impl std::error::Error for MemoryError {}

/// Splits options as a POSIX shell splits words: whitespace separates, single quotes keep
/// everything literally, double quotes and backslashes escape.
///
/// # Errors
/// [`MemoryError::UnparsableOptions`] on an unterminated quote or a trailing backslash.
pub fn split_options(options: &str) -> Result<Vec<String>, MemoryError> {
    let error = || MemoryError::UnparsableOptions {
        options: options.to_string(),
    };
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '\'' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.push(c),
                        None => return Err(error()),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => current.push(chars.next().ok_or_else(error)?),
                        Some(c) => current.push(c),
                        None => return Err(error()),
                    }
                }
            }
            '\\' => word
                .get_or_insert_with(String::new)
                .push(chars.next().ok_or_else(error)?),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// The regions the user set in `options` (the last occurrence wins, as in the JVM).
///
/// # Errors
/// [`MemoryError::UnparsableOptions`], or [`MemoryError::InvalidUserFlag`] for e.g. `-Xmx1.5g`.
pub fn user_regions(options: &str) -> Result<Vec<Region>, MemoryError> {
    let mut regions: Vec<Region> = Vec::new();
    for word in split_options(options)? {
        for kind in RegionKind::ALL {
            let Some(value) = kind
                .user_prefixes()
                .iter()
                .find_map(|prefix| word.strip_prefix(prefix))
            else {
                continue;
            };
            let bytes = parse_size(value)
                .ok_or_else(|| MemoryError::InvalidUserFlag { flag: word.clone() })?;
            regions.retain(|region| region.kind != kind);
            regions.push(Region {
                kind,
                bytes,
                user_configured: true,
            });
        }
    }
    Ok(regions)
}

impl Calculator {
    /// Sizes the regions, keeping those the user set in `java_tool_options`.
    ///
    /// # Errors
    /// [`MemoryError`]: unparsable options, or regions that do not fit in the total memory.
    pub fn calculate(&self, java_tool_options: &str) -> Result<MemoryConfiguration, MemoryError> {
        let user = user_regions(java_tool_options)?;
        let user_or = |kind: RegionKind, default: u64| {
            user.iter()
                .copied()
                .find(|region| region.kind == kind)
                .unwrap_or(Region {
                    kind,
                    bytes: default,
                    user_configured: false,
                })
        };
        let direct = user_or(RegionKind::DirectMemory, DEFAULT_DIRECT_MEMORY);
        let metaspace = user_or(
            RegionKind::Metaspace,
            CLASS_OVERHEAD.saturating_add(CLASS_SIZE.saturating_mul(self.loaded_class_count)),
        );
        let code_cache = user_or(RegionKind::ReservedCodeCache, DEFAULT_RESERVED_CODE_CACHE);
        let stack = user_or(RegionKind::Stack, DEFAULT_STACK);
        let user_heap = user
            .iter()
            .copied()
            .find(|region| region.kind == RegionKind::Heap);

        let stacks = stack.bytes.saturating_mul(self.thread_count);
        let fixed = direct
            .bytes
            .saturating_add(metaspace.bytes)
            .saturating_add(code_cache.bytes)
            .saturating_add(stacks);
        let fixed_breakdown = format!(
            "{direct}, {metaspace}, {code_cache}, {stack} * {} threads",
            self.thread_count
        );
        if fixed > self.total_memory {
            return Err(self.too_little("fixed", fixed, fixed_breakdown));
        }

        let head_room = head_room_bytes(self.head_room, self.total_memory);
        let non_heap = fixed.saturating_add(head_room);
        let non_heap_breakdown = format!("{} headroom, {fixed_breakdown}", format_size(head_room));
        if non_heap > self.total_memory {
            return Err(self.too_little("non-heap", non_heap, non_heap_breakdown));
        }

        let heap = user_heap.unwrap_or(Region {
            kind: RegionKind::Heap,
            bytes: self.total_memory - non_heap,
            user_configured: false,
        });
        let all = non_heap.saturating_add(heap.bytes);
        if all > self.total_memory {
            return Err(self.too_little("all", all, format!("{heap}, {non_heap_breakdown}")));
        }
        Ok(MemoryConfiguration {
            regions: [direct, heap, metaspace, code_cache, stack],
            head_room,
        })
    }

    fn too_little(&self, regions: &'static str, required: u64, breakdown: String) -> MemoryError {
        MemoryError::TooLittleMemory {
            regions,
            required,
            available: self.total_memory,
            breakdown,
        }
    }
}

/// `percent`% of `total`, rounded down (computed in 128 bits: no overflow).
fn head_room_bytes(percent: u64, total: u64) -> u64 {
    u64::try_from(u128::from(percent) * u128::from(total) / 100).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_format_like_libjvm() {
        for (bytes, text) in [
            (0, "0"),
            (1023, "0"),
            (KIB, "1K"),
            (1536 * KIB, "1536K"),
            (MIB, "1M"),
            (10 * MIB, "10M"),
            (GIB, "1G"),
            (1536 * MIB, "1536M"),
            (TIB, "1T"),
            (64 * TIB, "64T"),
            (CLASS_OVERHEAD, "13671K"),
        ] {
            assert_eq!(format_size(bytes), text, "{bytes}");
        }
    }

    #[test]
    fn sizes_parse_like_the_jvm() {
        for (text, bytes) in [
            ("1024", Some(1024)),
            ("1024b", Some(1024)),
            ("1k", Some(KIB)),
            ("512m", Some(512 * MIB)),
            ("512M", Some(512 * MIB)),
            ("2g", Some(2 * GIB)),
            ("1T", Some(TIB)),
            (" 42 \n", Some(42)),
            ("1.5g", None),
            ("g", None),
            ("", None),
            ("-1", None),
            ("12x", None),
            ("max", None),
            ("99999999999999999999", None),
            ("99999999999t", None),
        ] {
            assert_eq!(parse_size(text), bytes, "{text:?}");
        }
    }

    #[test]
    fn options_split_like_a_shell() {
        assert_eq!(
            split_options("  -Xmx1g  -Dmsg='hello world' \"-Da=b c\" -Dx=\\\"y ").unwrap(),
            ["-Xmx1g", "-Dmsg=hello world", "-Da=b c", "-Dx=\"y"]
        );
        assert_eq!(split_options("").unwrap(), Vec::<String>::new());
        assert_eq!(split_options("''").unwrap(), [""]);
        assert!(split_options("-Dx='unterminated").is_err());
        assert!(split_options("-Dx=\"unterminated").is_err());
        assert!(split_options("trailing\\").is_err());
    }

    #[test]
    fn user_regions_last_one_wins_and_aliases_count() {
        let regions =
            user_regions("-Xmx1g -XX:MaxHeapSize=2g -Xss512k -XX:+UseG1GC -Xms1g").unwrap();
        assert_eq!(
            regions,
            [
                Region {
                    kind: RegionKind::Heap,
                    bytes: 2 * GIB,
                    user_configured: true
                },
                Region {
                    kind: RegionKind::Stack,
                    bytes: 512 * KIB,
                    user_configured: true
                },
            ]
        );
        assert_eq!(
            user_regions("-Xmx1.5g"),
            Err(MemoryError::InvalidUserFlag {
                flag: "-Xmx1.5g".to_string()
            })
        );
    }

    fn calculator(total_memory: u64) -> Calculator {
        Calculator {
            total_memory,
            thread_count: 250,
            loaded_class_count: 0,
            head_room: 0,
        }
    }

    #[test]
    fn one_gib_with_libjvm_defaults() {
        // libjvm's own example: 1G, 250 threads, 0 classes, 0 head room.
        let configuration = calculator(GIB).calculate("").unwrap();
        assert_eq!(
            configuration.calculated_flags(),
            [
                "-XX:MaxDirectMemorySize=10M",
                "-Xmx522904K",
                "-XX:MaxMetaspaceSize=13671K",
                "-XX:ReservedCodeCacheSize=240M",
                "-Xss1M",
            ]
        );
        assert_eq!(configuration.head_room, 0);
    }

    #[test]
    fn user_flags_are_kept_and_not_emitted() {
        let configuration = calculator(GIB)
            .calculate("-XX:MaxDirectMemorySize=20M -Xss256k")
            .unwrap();
        assert_eq!(
            configuration.calculated_flags(),
            [
                "-Xmx704664K",
                "-XX:MaxMetaspaceSize=13671K",
                "-XX:ReservedCodeCacheSize=240M",
            ]
        );
        assert_eq!(configuration.region(RegionKind::Stack).bytes, 256 * KIB);
    }

    #[test]
    fn head_room_is_set_aside() {
        let configuration = Calculator {
            head_room: 10,
            ..calculator(GIB)
        }
        .calculate("")
        .unwrap();
        assert_eq!(configuration.head_room, 107_374_182);
        assert_eq!(
            configuration.region(RegionKind::Heap).to_string(),
            "-Xmx418046K"
        );
    }

    #[test]
    fn too_little_memory_names_the_numbers() {
        let error = calculator(256 * MIB).calculate("").unwrap_err();
        assert_eq!(
            error.to_string(),
            "fixed memory regions require 525671K which is greater than 256M available for allocation: -XX:MaxDirectMemorySize=10M, -XX:MaxMetaspaceSize=13671K, -XX:ReservedCodeCacheSize=240M, -Xss1M * 250 threads"
        );
        let error = Calculator {
            head_room: 60,
            ..calculator(GIB)
        }
        .calculate("")
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "non-heap memory regions require 1154817K which is greater than 1G available for allocation: 629145K headroom, -XX:MaxDirectMemorySize=10M, -XX:MaxMetaspaceSize=13671K, -XX:ReservedCodeCacheSize=240M, -Xss1M * 250 threads"
        );
        let error = calculator(GIB).calculate("-Xmx1g").unwrap_err();
        assert_eq!(
            error.to_string(),
            "all memory regions require 1574247K which is greater than 1G available for allocation: -Xmx1G, 0 headroom, -XX:MaxDirectMemorySize=10M, -XX:MaxMetaspaceSize=13671K, -XX:ReservedCodeCacheSize=240M, -Xss1M * 250 threads"
        );
    }
}
