//! Copying and hashing files for backups: a piece at a time (pictures and exports may be
//! large), new files only (`create_new`, so nothing existing is ever overwritten), each
//! flushed to disk before it counts as written. Files are `0600` (explicitly, whatever
//! the umask).

use std::{
    fs::{File, OpenOptions},
    io::{self, Read, Write},
    path::Path,
};

use ring::digest;

const PIECE: usize = 64 * 1024;

/// A new file at `path` (refused if one exists), private to this account.
fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes `bytes` into a new file at `path` and flushes it to disk.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = create_new(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Copies `from` into a new file `to`; answers the size and SHA-256 of what was copied.
pub fn copy_hashed(from: &Path, to: &Path) -> io::Result<(u64, String)> {
    let mut source = File::open(from)?;
    let mut target = create_new(to)?;
    let mut ctx = digest::Context::new(&digest::SHA256);
    let mut buf = vec![0u8; PIECE];
    let mut size = 0u64;
    loop {
        let n = source.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let piece = buf.get(..n).unwrap_or_default();
        ctx.update(piece);
        target.write_all(piece)?;
        size += n as u64;
    }
    target.sync_all()?;
    Ok((size, hex(ctx.finish().as_ref())))
}

/// The size and SHA-256 of the file at `path`.
pub fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut source = File::open(path)?;
    let mut ctx = digest::Context::new(&digest::SHA256);
    let mut buf = vec![0u8; PIECE];
    let mut size = 0u64;
    loop {
        let n = source.read(&mut buf)?;
        if n == 0 {
            break;
        }
        ctx.update(buf.get(..n).unwrap_or_default());
        size += n as u64;
    }
    Ok((size, hex(ctx.finish().as_ref())))
}

/// Flushes a directory's entries (a rename or a new file in it) to disk.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_new_private_and_hashed_like_sha256() {
        let tmp = tempfile::tempdir().unwrap();
        let from = tmp.path().join("a");
        std::fs::write(&from, b"abc").unwrap();
        let to = tmp.path().join("b");
        let (size, sha) = copy_hashed(&from, &to).unwrap();
        assert_eq!(size, 3);
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hash_file(&to).unwrap(), (3, sha));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&to).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(
            copy_hashed(&from, &to).is_err(),
            "an existing file is never overwritten"
        );
    }
}
