//! Reading a file someone else may have put in place (a third-party wizard, whatever sits in the
//! wizard directory, a CA certificate): only a regular file, only up to a size cap. A named pipe
//! would block the read forever and a device such as `/dev/zero` never ends, so both are refused
//! before a byte is read, with words that say what the path turned out to be.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::Path;

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("it is larger than {} KiB ({what} files are far smaller); is it the right file?", limit / 1024)]
    TooLarge { limit: u64, what: &'static str },
    #[error("it is not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Read `path` as text if it is a regular file (a link to one is fine) of at most `limit`
/// bytes. `what` names the kind of file in the size message ("wizard").
pub fn read_text(path: &Path, limit: u64, what: &'static str) -> Result<String, ReadError> {
    let bytes = read_bytes(path, limit, what)?;
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// [`read_text`] without the UTF-8 check.
pub fn read_bytes(path: &Path, limit: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(&meta.file_type())));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit, what });
    }
    // The file can grow between the check and the read: never take more than the cap.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit, what });
    }
    Ok(bytes)
}

/// Open `path` to append to it (created if missing, mode 0600 on Unix) without following a link
/// in its place, and only if it is a regular file with no other name (a hard link): a planted
/// `psa-onboard.log -> ~/victim` must not get our lines appended.
pub fn append_no_follow(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600)
            .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other(
            "it is a symbolic link; remove it and try again",
        ));
    }
    let file = opts.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            return std::io::Error::other("it is a symbolic link; remove it and try again");
        }
        e
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "it is {}, not a regular file; remove it and try again",
            kind(&meta.file_type())
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(std::io::Error::other(
                "it has another name (a hard link); remove it and try again",
            ));
        }
    }
    Ok(file)
}

/// Open for reading without blocking on a FIFO that has no writer (the type is checked on the
/// open descriptor, so nothing can be swapped in between the check and the read).
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    opts.open(path)
}

/// What a non-regular file is, in words.
pub fn kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_are_read_up_to_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, "x = 1\n").unwrap();
        assert_eq!(read_text(&p, 6, "wizard").unwrap(), "x = 1\n");
        let e = read_text(&p, 5, "wizard").unwrap_err();
        assert!(
            e.to_string().contains("larger than 0 KiB (wizard files"),
            "{e}"
        );
        std::fs::write(&p, b"ok\xff").unwrap();
        assert!(matches!(
            read_text(&p, 100, "wizard"),
            Err(ReadError::NotUtf8(2))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn devices_directories_and_pipes_are_refused_unread() {
        let e = read_bytes(Path::new("/dev/zero"), 1 << 20, "wizard").unwrap_err();
        assert_eq!(
            e.to_string(),
            "it is a character device, not a regular file"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = read_bytes(dir.path(), 1 << 20, "wizard").unwrap_err();
        assert_eq!(e.to_string(), "it is a directory, not a regular file");
        let fifo = dir.path().join("p");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let e = read_bytes(&fifo, 1 << 20, "wizard").unwrap_err();
        assert_eq!(
            e.to_string(),
            "it is a named pipe (FIFO), not a regular file"
        );
    }
}
