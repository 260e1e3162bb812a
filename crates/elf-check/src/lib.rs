//! A minimal ELF reader that tells whether a binary is statically linked.
//!
//! Module binaries run inside build images whose glibc may be older than this machine's, so they
//! must not depend on a dynamic loader or on shared libraries. A binary passes [`check_static`]
//! when it has no `PT_INTERP` program header and no `DT_NEEDED` entry in its dynamic section.
//! Rust's `-C target-feature=+crt-static` on the gnu target produces a `static-pie` binary: it
//! has a `PT_DYNAMIC` segment (for its own relocations) but neither of the two, so it passes.
//!
//! Only 64-bit little-endian ELF files are supported. The parser never panics: every read is
//! bounds-checked and malformed input is reported as an [`ElfParseError`].

use std::fmt;
use std::path::{Path, PathBuf};

const ELF_MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const ELF64_HEADER_SIZE: usize = 64;
const ELF64_PHDR_SIZE: usize = 56;
const ELF64_SHDR_SIZE: usize = 64;
const ELF64_DYN_SIZE: usize = 16;
/// `e_phnum` value meaning that the real count is in `sh_info` of section header 0.
const PN_XNUM: u16 = 0xffff;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;

const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;

/// What an ELF file needs from a dynamic loader at run time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DynamicDependencies {
    /// The program interpreter (`PT_INTERP`), e.g. `/lib64/ld-linux-x86-64.so.2`.
    pub interpreter: Option<String>,
    /// The shared libraries named by `DT_NEEDED` entries, in file order.
    pub needed: Vec<NeededLibrary>,
}

impl DynamicDependencies {
    /// True when the file needs neither an interpreter nor any shared library.
    #[must_use]
    pub fn is_static(&self) -> bool {
        self.interpreter.is_none() && self.needed.is_empty()
    }
}

/// One `DT_NEEDED` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeededLibrary {
    /// The library name, read from the dynamic string table.
    Name(String),
    /// The name could not be resolved; this is the entry's offset into the string table.
    UnresolvedOffset(u64),
}

impl fmt::Display for NeededLibrary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Name(name) => f.write_str(name),
            Self::UnresolvedOffset(offset) => write!(f, "<string table offset {offset}>"),
        }
    }
}

/// The input is not an ELF file this module can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElfParseError {
    /// The input does not start with the ELF magic bytes.
    NotElf,
    /// The input is ELF but not 64-bit little-endian.
    Unsupported(&'static str),
    /// A structure extends past the end of the input.
    Truncated(&'static str),
    /// A header field holds an impossible value.
    Malformed(&'static str),
}

impl fmt::Display for ElfParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotElf => f.write_str("not an ELF file (no ELF magic bytes)"),
            Self::Unsupported(what) => write!(f, "unsupported ELF file: {what}"),
            Self::Truncated(what) => write!(f, "truncated ELF file: {what} extends past the end"),
            Self::Malformed(what) => write!(f, "malformed ELF file: {what}"),
        }
    }
}

impl std::error::Error for ElfParseError {}

/// Why [`check_static`] rejected a file.
#[derive(Debug)]
pub enum StaticCheckError {
    /// The file could not be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not a readable 64-bit little-endian ELF file.
    Parse {
        path: PathBuf,
        source: ElfParseError,
    },
    /// The file is dynamically linked.
    Dynamic {
        path: PathBuf,
        dependencies: DynamicDependencies,
    },
}

impl fmt::Display for StaticCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Parse { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Dynamic { path, dependencies } => {
                write!(f, "{} is dynamically linked (", path.display())?;
                let mut separator = "";
                if let Some(interpreter) = &dependencies.interpreter {
                    write!(f, "interpreter {interpreter}")?;
                    separator = "; ";
                }
                if !dependencies.needed.is_empty() {
                    let names: Vec<String> = dependencies
                        .needed
                        .iter()
                        .map(ToString::to_string)
                        .collect();
                    write!(f, "{separator}needs {}", names.join(", "))?;
                }
                f.write_str(
                    "); module binaries must be statically linked to run in other images \
                     (build with RUSTFLAGS=\"-C target-feature=+crt-static\" and an explicit --target)",
                )
            }
        }
    }
}

// Display already includes the cause, so `source` stays `None` (no repetition in `{:#}`).
impl std::error::Error for StaticCheckError {}

/// Fails unless the ELF file at `path` is statically linked (no `PT_INTERP`, no `DT_NEEDED`).
///
/// # Errors
/// [`StaticCheckError::Read`] if the file cannot be read, [`StaticCheckError::Parse`] if it is not
/// a readable 64-bit little-endian ELF file, [`StaticCheckError::Dynamic`] if it is dynamically
/// linked (the error lists the interpreter and the needed libraries).
pub fn check_static(path: &Path) -> Result<(), StaticCheckError> {
    let bytes = std::fs::read(path).map_err(|source| StaticCheckError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let dependencies = dynamic_dependencies(&bytes).map_err(|source| StaticCheckError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    if dependencies.is_static() {
        Ok(())
    } else {
        Err(StaticCheckError::Dynamic {
            path: path.to_path_buf(),
            dependencies,
        })
    }
}

/// Reads the interpreter and the needed libraries of a 64-bit little-endian ELF file.
///
/// # Errors
/// An [`ElfParseError`] if `bytes` is not such a file or is truncated or malformed.
pub fn dynamic_dependencies(bytes: &[u8]) -> Result<DynamicDependencies, ElfParseError> {
    let header = bytes
        .get(..ELF64_HEADER_SIZE)
        .ok_or(if bytes.starts_with(&ELF_MAGIC) {
            ElfParseError::Truncated("the ELF header")
        } else {
            ElfParseError::NotElf
        })?;
    if header.get(..4) != Some(&ELF_MAGIC[..]) {
        return Err(ElfParseError::NotElf);
    }
    if header.get(4) != Some(&ELFCLASS64) {
        return Err(ElfParseError::Unsupported("not a 64-bit (ELFCLASS64) file"));
    }
    if header.get(5) != Some(&ELFDATA2LSB) {
        return Err(ElfParseError::Unsupported(
            "not a little-endian (ELFDATA2LSB) file",
        ));
    }

    let program_headers = program_headers(bytes, header)?;

    let mut dependencies = DynamicDependencies::default();
    for program_header in &program_headers {
        match program_header.kind {
            PT_INTERP => {
                let raw = segment_bytes(bytes, program_header, "the PT_INTERP segment")?;
                let name = raw.split(|&byte| byte == 0).next().unwrap_or_default();
                dependencies.interpreter = Some(String::from_utf8_lossy(name).into_owned());
            }
            PT_DYNAMIC => {
                let raw = segment_bytes(bytes, program_header, "the PT_DYNAMIC segment")?;
                dependencies
                    .needed
                    .extend(needed_libraries(bytes, raw, &program_headers)?);
            }
            _ => {}
        }
    }
    Ok(dependencies)
}

struct ProgramHeader {
    kind: u32,
    offset: u64,
    vaddr: u64,
    file_size: u64,
}

fn program_headers(bytes: &[u8], header: &[u8]) -> Result<Vec<ProgramHeader>, ElfParseError> {
    let missing = ElfParseError::Truncated("the ELF header");
    let phoff = read_u64(header, 0x20).ok_or(missing.clone())?;
    let shoff = read_u64(header, 0x28).ok_or(missing.clone())?;
    let phentsize = read_u16(header, 0x36).ok_or(missing.clone())?;
    let phnum = read_u16(header, 0x38).ok_or(missing)?;

    let count = if phnum == PN_XNUM {
        // The real count lives in sh_info of the first section header.
        let first_section = slice_at(bytes, shoff, ELF64_SHDR_SIZE as u64)
            .ok_or(ElfParseError::Truncated("section header 0"))?;
        u64::from(
            read_u32(first_section, 0x2c).ok_or(ElfParseError::Truncated("section header 0"))?,
        )
    } else {
        u64::from(phnum)
    };
    if count == 0 {
        return Ok(Vec::new());
    }
    if usize::from(phentsize) < ELF64_PHDR_SIZE {
        return Err(ElfParseError::Malformed(
            "program header entry size is smaller than an Elf64_Phdr",
        ));
    }

    let table_size = count
        .checked_mul(u64::from(phentsize))
        .ok_or(ElfParseError::Malformed(
            "program header table size overflows",
        ))?;
    let table = slice_at(bytes, phoff, table_size)
        .ok_or(ElfParseError::Truncated("the program header table"))?;

    table
        .chunks_exact(usize::from(phentsize))
        .map(|entry| {
            let truncated = ElfParseError::Truncated("a program header");
            Ok(ProgramHeader {
                kind: read_u32(entry, 0).ok_or(truncated.clone())?,
                offset: read_u64(entry, 0x08).ok_or(truncated.clone())?,
                vaddr: read_u64(entry, 0x10).ok_or(truncated.clone())?,
                file_size: read_u64(entry, 0x20).ok_or(truncated)?,
            })
        })
        .collect()
}

fn segment_bytes<'a>(
    bytes: &'a [u8],
    program_header: &ProgramHeader,
    what: &'static str,
) -> Result<&'a [u8], ElfParseError> {
    slice_at(bytes, program_header.offset, program_header.file_size)
        .ok_or(ElfParseError::Truncated(what))
}

fn needed_libraries(
    bytes: &[u8],
    dynamic: &[u8],
    program_headers: &[ProgramHeader],
) -> Result<Vec<NeededLibrary>, ElfParseError> {
    let mut needed_offsets = Vec::new();
    let mut string_table_address = None;
    let mut string_table_size = None;
    for entry in dynamic.chunks_exact(ELF64_DYN_SIZE) {
        let truncated = ElfParseError::Truncated("a dynamic section entry");
        let tag = read_u64(entry, 0).ok_or(truncated.clone())?;
        let value = read_u64(entry, 8).ok_or(truncated)?;
        match tag {
            DT_NULL => break,
            DT_NEEDED => needed_offsets.push(value),
            DT_STRTAB => string_table_address = Some(value),
            DT_STRSZ => string_table_size = Some(value),
            _ => {}
        }
    }

    let string_table = string_table_address
        .and_then(|address| file_offset_of_address(program_headers, address))
        .and_then(|offset| {
            let available = u64::try_from(bytes.len()).ok()?.checked_sub(offset)?;
            slice_at(
                bytes,
                offset,
                string_table_size.unwrap_or(available).min(available),
            )
        });

    Ok(needed_offsets
        .into_iter()
        .map(|offset| {
            string_table
                .and_then(|table| table.get(usize::try_from(offset).ok()?..))
                .and_then(|rest| rest.split(|&byte| byte == 0).next())
                .filter(|name| !name.is_empty())
                .map_or(NeededLibrary::UnresolvedOffset(offset), |name| {
                    NeededLibrary::Name(String::from_utf8_lossy(name).into_owned())
                })
        })
        .collect())
}

/// Maps a virtual address to a file offset through the `PT_LOAD` segments.
fn file_offset_of_address(program_headers: &[ProgramHeader], address: u64) -> Option<u64> {
    program_headers
        .iter()
        .filter(|header| header.kind == PT_LOAD)
        .find(|header| {
            address >= header.vaddr
                && header
                    .vaddr
                    .checked_add(header.file_size)
                    .is_some_and(|end| address < end)
        })
        .and_then(|header| header.offset.checked_add(address - header.vaddr))
}

fn slice_at(bytes: &[u8], offset: u64, length: u64) -> Option<&[u8]> {
    let start = usize::try_from(offset).ok()?;
    let end = start.checked_add(usize::try_from(length).ok()?)?;
    bytes.get(start..end)
}

fn read_u16(bytes: &[u8], offset: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(offset..offset.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn read_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(offset..offset.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn read_u64(bytes: &[u8], offset: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        bytes.get(offset..offset.checked_add(8)?)?.try_into().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Compiles a tiny C program with `cc -static` into `dir`.
    fn static_c_binary(dir: &Path) -> PathBuf {
        let source = dir.join("hello.c");
        std::fs::write(&source, "int main(void) { return 0; }\n").unwrap();
        let binary = dir.join("hello");
        let status = Command::new("cc")
            .arg("-static")
            .arg("-o")
            .arg(&binary)
            .arg(&source)
            .status()
            .expect("cc (gcc) must be installed to build the static test binary");
        assert!(status.success(), "cc -static failed");
        binary
    }

    #[test]
    fn dynamic_system_binary_is_rejected_with_its_interpreter_and_libraries() {
        let error = check_static(Path::new("/bin/ls")).unwrap_err();
        let StaticCheckError::Dynamic { dependencies, .. } = &error else {
            panic!("expected a Dynamic error, got {error:?}");
        };
        let interpreter = dependencies.interpreter.as_deref().unwrap();
        assert!(interpreter.contains("ld-linux"), "{interpreter}");
        assert!(
            dependencies
                .needed
                .contains(&NeededLibrary::Name("libc.so.6".to_string())),
            "{dependencies:?}"
        );
        let message = error.to_string();
        assert!(message.starts_with("/bin/ls is dynamically linked (interpreter /lib"));
        assert!(message.contains("libc.so.6"), "{message}");
    }

    #[test]
    fn static_binary_passes() {
        let dir = tempfile::tempdir().unwrap();
        let binary = static_c_binary(dir.path());
        check_static(&binary).unwrap();
    }

    #[test]
    fn garbage_is_not_elf() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("garbage");
        std::fs::write(
            &path,
            b"#!/bin/sh\necho this is not an ELF file at all, honestly\n",
        )
        .unwrap();
        let error = check_static(&path).unwrap_err();
        assert!(matches!(
            error,
            StaticCheckError::Parse {
                source: ElfParseError::NotElf,
                ..
            }
        ));
        assert_eq!(
            error.to_string(),
            format!("{}: not an ELF file (no ELF magic bytes)", path.display())
        );
        assert_eq!(dynamic_dependencies(b""), Err(ElfParseError::NotElf));
        assert_eq!(dynamic_dependencies(b"\x7fEL"), Err(ElfParseError::NotElf));
    }

    #[test]
    fn truncated_files_are_errors_at_every_length() {
        let dir = tempfile::tempdir().unwrap();
        let ls = std::fs::read("/bin/ls").unwrap();

        let path = dir.path().join("truncated");
        std::fs::write(&path, ls.get(..40).unwrap()).unwrap();
        let message = check_static(&path).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "{}: truncated ELF file: the ELF header extends past the end",
                path.display()
            )
        );

        // Header complete, program header table cut off.
        assert_eq!(
            dynamic_dependencies(ls.get(..ELF64_HEADER_SIZE + 10).unwrap()),
            Err(ElfParseError::Truncated("the program header table"))
        );

        // No prefix of a real file may panic; each is an error or a (partial) result.
        let static_binary = std::fs::read(static_c_binary(dir.path())).unwrap();
        for bytes in [&ls, &static_binary] {
            for length in (0..bytes.len().min(16 * 1024)).chain([bytes.len() / 2]) {
                let _ = dynamic_dependencies(bytes.get(..length).unwrap());
            }
        }
    }

    #[test]
    fn other_elf_classes_are_unsupported() {
        let mut header = vec![0_u8; ELF64_HEADER_SIZE];
        header[..4].copy_from_slice(&ELF_MAGIC);
        header[4] = 1; // ELFCLASS32
        header[5] = ELFDATA2LSB;
        assert!(matches!(
            dynamic_dependencies(&header),
            Err(ElfParseError::Unsupported(_))
        ));
        header[4] = ELFCLASS64;
        header[5] = 2; // big-endian
        assert!(matches!(
            dynamic_dependencies(&header),
            Err(ElfParseError::Unsupported(_))
        ));
        // A header with no program headers at all is static.
        header[5] = ELFDATA2LSB;
        assert!(dynamic_dependencies(&header).unwrap().is_static());
    }

    #[test]
    fn unreadable_file_is_a_read_error() {
        let error = check_static(Path::new("/nonexistent/binary")).unwrap_err();
        assert!(matches!(error, StaticCheckError::Read { .. }));
        assert!(
            error
                .to_string()
                .starts_with("cannot read /nonexistent/binary: ")
        );
    }
}
