//! One `git log` over the surveyed directories: which commits touched each path, when, and
//! which blobs each path held (for merge bases and activity). Renames are not followed: a
//! path's history is the history of that path.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use super::{Activity, Base, RECENT_DAYS};
use crate::error::{Error, Result};

/// A commit that wrote a blob at a path.
#[derive(Debug, Clone)]
struct Write {
    blob: String,
    commit: usize,
}

/// The history of the surveyed directories.
#[derive(Debug, Default)]
pub(super) struct GitLog {
    /// Commit ids and times (seconds since the epoch), newest first.
    commits: Vec<(String, i64)>,
    /// Root-relative path → the blobs written there, newest first.
    paths: HashMap<String, Vec<Write>>,
    /// Seconds since the epoch, now.
    now: i64,
}

impl GitLog {
    /// Runs `git log` once over `dirs` (root-relative) in `git`'s work tree around `root`.
    ///
    /// # Errors
    /// When git fails (a repository without commits has an empty history).
    pub(super) fn read(git: &crate::git::Git, root: &Path, dirs: &[&str]) -> Result<Self> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        if git.head().is_none() {
            // No commit yet: no history.
            return Ok(Self {
                now,
                ..Self::default()
            });
        }
        let prefix = git.prefix();
        // Paths as they are (not quoted when they are not ASCII), directories as literal
        // pathspecs (a `*` or `[` in a name is not a pattern).
        let output = Command::new("git")
            .current_dir(root)
            .args([
                "-c",
                "core.quotePath=false",
                "log",
                "--no-renames",
                "--no-abbrev",
                "--raw",
                "--format=%x01%H %ct",
                "HEAD",
                "--",
            ])
            .args(dirs.iter().map(|d| format!(":(literal){d}")))
            .output()
            .map_err(|e| Error::Git(format!("git log: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(Error::Git(format!("git log failed: {}", stderr.trim())));
        }
        Ok(Self::parse(
            &String::from_utf8_lossy(&output.stdout),
            prefix,
            now,
        ))
    }

    fn parse(log: &str, prefix: &str, now: i64) -> Self {
        let mut out = Self {
            now,
            ..Self::default()
        };
        for record in log.split('\x01').filter(|r| !r.trim().is_empty()) {
            let mut lines = record.lines();
            let Some((commit, time)) = lines.next().and_then(|l| l.split_once(' ')) else {
                continue;
            };
            let index = out.commits.len();
            out.commits
                .push((commit.to_owned(), time.trim().parse().unwrap_or(0)));
            // ":100644 100644 <old> <new> M\tpath"
            for line in lines.filter(|l| l.starts_with(':')) {
                let Some((meta, path)) = line.split_once('\t') else {
                    continue;
                };
                let Some(blob) = meta.split_whitespace().nth(3) else {
                    continue;
                };
                let path = path.strip_prefix(prefix).unwrap_or(path);
                let entry = out.paths.entry(path.to_owned()).or_default();
                if blob.bytes().all(|b| b == b'0') {
                    continue; // deleted here
                }
                entry.push(Write {
                    blob: blob.to_owned(),
                    commit: index,
                });
            }
        }
        out
    }

    /// The newest blob both paths held, with the newest commit that wrote it at either.
    pub(super) fn common_blob(&self, a: &str, b: &str) -> Option<Base> {
        let (wa, wb) = (self.paths.get(a)?, self.paths.get(b)?);
        // Commits are numbered newest first: the smallest index is the newest write.
        wa.iter()
            .chain(wb)
            .filter(|w| wa.iter().any(|x| x.blob == w.blob) && wb.iter().any(|x| x.blob == w.blob))
            .min_by_key(|w| w.commit)
            .map(|w| Base {
                commit: self.commits[w.commit].0.clone(),
                blob: w.blob.clone(),
            })
    }

    /// The activity of directory `dir`: its newest commit, and its commits in the last
    /// [`RECENT_DAYS`] days.
    pub(super) fn activity(&self, dir: &str) -> Activity {
        let mut commits: Vec<usize> = self
            .paths
            .iter()
            .filter(|(path, _)| crate::rules::is_within(path, dir))
            .flat_map(|(_, writes)| writes.iter().map(|w| w.commit))
            .collect();
        commits.sort_unstable();
        commits.dedup();
        let since = self.now - RECENT_DAYS * 86_400;
        let last_time = commits.first().map(|c| self.commits[*c].1);
        Activity {
            last_commit: last_time.map(crate::journal::utc_date),
            recent_commits: commits
                .iter()
                .filter(|c| self.commits[**c].1 >= since)
                .count(),
            last_time: last_time.unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_days() {
        let date = crate::journal::utc_date;
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_795_000_000), "2026-11-18");
    }

    #[test]
    fn the_newest_shared_blob_is_the_base() {
        let z = "0".repeat(40);
        let (b1, b2, b3) = ("1".repeat(40), "2".repeat(40), "3".repeat(40));
        let log = format!(
            "\x01c3 300\n\n:100644 100644 {b1} {b3} M\tsub/new/x.py\n\
             \x01c2 200\n\n:000000 100644 {z} {b1} A\tsub/new/x.py\n\
             \x01c1 100\n\n:100644 100644 {b2} {b1} M\tsub/old/x.py\n\
             \x01c0 50\n\n:000000 100644 {z} {b2} A\tsub/old/x.py\n"
        );
        let log = GitLog::parse(&log, "sub/", 400);
        let base = log.common_blob("new/x.py", "old/x.py").unwrap();
        assert_eq!(
            (base.commit.as_str(), base.blob.as_str()),
            ("c2", b1.as_str())
        );
        let activity = log.activity("old");
        assert_eq!(activity.last_time, 100);
        assert_eq!(activity.recent_commits, 2);
    }
}
