//! Files the server writes (the SQLite database, emails in the outbox, uploaded pictures,
//! data exports) hold users' private data: they are made readable by the server's own
//! account only.
//!
//! The process's umask is set to `077` when the server starts, so every file it creates
//! is `0600` and every directory `0700` whoever creates it (SQLite and its journal files,
//! lettre's outbox, the upload store); the data directories are also created `0700`
//! explicitly, so a directory made by an earlier run keeps working and is tightened.

use std::{io, path::Path};

/// Makes files and directories created from now on private to the server's account
/// (umask `077`). Process-wide; called first thing when the server starts.
pub fn restrict_umask() {
    #[cfg(unix)]
    {
        rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    }
}

/// Creates `dir` (and its parents) if missing, and makes it `0700`.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn a_private_dir_is_0700_even_if_it_existed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }
}
