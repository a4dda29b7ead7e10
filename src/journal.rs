//! The undo journal: what a run is about to change, written (and flushed to disk) before the
//! first change, so that `regraft undo` can restore the tree exactly, even after a crash.
//!
//! Layout: `.regraft/runs/<id>/journal.json` lists every operation of the run with the
//! fingerprints (and, for files whose bytes are replaced, [`Blob`]s: ranges of `blobs.pack`,
//! one file flushed once however many copies it holds) needed to undo it; `.regraft/lock`
//! keeps two runs apart. A run directory without `journal.json` was cut off before its first
//! change and holds nothing to undo.
//!
//! A run is *complete* once `apply` has carried out every step, git index and `--commit`
//! commits included: [`Journal::finish`] then leaves an empty `complete` file (flushed) in the
//! run directory. Journals of format version 1 predate the marker and count as complete. While
//! the newest run is not complete, or a dead process left the lock, [`refuse_if_unfinished`]
//! stops every command but `undo`; an `undo` that was cut off leaves an `undoing` file, so
//! that the next `undo` finishes it.
//!
//! Undo is idempotent per operation: each step looks at the disk and does only what is still
//! needed, so it works whether the run finished, stopped half-way, or crashed inside one
//! operation. Before it changes anything, undo checks that every file is in a state the run
//! could have left (else someone edited it since, and undo stops unless forced).
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::failpoint;
use crate::git::Git;

/// The directory under the root that holds journals and the lock.
pub const DIR: &str = ".regraft";

/// The journal format written now. Version 2 added the `complete` marker.
pub const VERSION: u32 = 2;

/// The file in a run directory that says the run finished.
const COMPLETE: &str = "complete";
/// The file in a run directory that says an undo of it has begun.
const UNDOING: &str = "undoing";

/// One undoable step, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Entry {
    /// A directory the run created.
    CreateDir {
        /// Root-relative directory.
        path: String,
    },
    /// A file (or symlink) moved, possibly with new contents at the destination.
    Move {
        /// Where it was.
        from: String,
        /// Where it went.
        to: String,
        /// Fingerprint of the original.
        original_hash: u64,
        /// Copy of the original, when the destination gets new contents.
        original_blob: Option<Blob>,
        /// Fingerprint of the new contents, when rewritten.
        written_hash: Option<u64>,
        /// Unix permission bits of the original.
        mode: u32,
    },
    /// A file rewritten in place.
    Write {
        /// Root-relative file.
        path: String,
        /// Fingerprint of the original.
        original_hash: u64,
        /// Copy of the original.
        original_blob: Blob,
        /// Fingerprint of what the run wrote.
        written_hash: u64,
        /// Unix permission bits of the original.
        mode: u32,
    },
    /// A file the run deleted (a source copy identical to, or merged into, its twin).
    Delete {
        /// Root-relative file.
        path: String,
        /// Fingerprint of the original.
        original_hash: u64,
        /// Copy of the original.
        original_blob: Blob,
        /// Unix permission bits of the original.
        mode: u32,
    },
    /// A file the run created (a conflict sidecar).
    Create {
        /// Root-relative file.
        path: String,
        /// Fingerprint of what the run wrote.
        written_hash: u64,
    },
    /// A directory the run removed because the move emptied it.
    RemoveDir {
        /// Root-relative directory.
        path: String,
    },
    /// The git index, before the run recorded its renames.
    GitIndex {
        /// Copy of the index file.
        blob: Blob,
    },
    /// Commits made by `--commit`: HEAD before them.
    GitCommit {
        /// The commit HEAD pointed at before the run.
        previous_head: String,
    },
}

/// A copy of some bytes, kept as a range of the run's `blobs.pack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blob {
    /// Where the copy starts in the pack.
    pub offset: usize,
    /// How many bytes it has.
    pub len: usize,
}

/// The journal file of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JournalFile {
    /// Format version.
    pub version: u32,
    /// The command line that made the run.
    pub command: String,
    /// The steps, in the order they are carried out.
    pub entries: Vec<Entry>,
}

/// A journal being written by a run.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    file: JournalFile,
    pack: Vec<u8>,
}

impl Journal {
    /// Starts the journal of a new run (its directory under `root/.regraft/runs/` is made by
    /// the first [`Journal::commit`]).
    pub fn create(root: &Path, command: &str) -> Self {
        let runs = root.join(DIR).join("runs");
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let id = format!(
            "{:012}-{:09}-{}",
            stamp.as_secs(),
            stamp.subsec_nanos(),
            std::process::id()
        );
        Self {
            dir: runs.join(id),
            file: JournalFile {
                version: VERSION,
                command: command.to_owned(),
                entries: Vec::new(),
            },
            pack: Vec::new(),
        }
    }

    /// Keeps a copy of `bytes` (on disk with the next [`Journal::commit`]).
    pub fn keep(&mut self, bytes: &[u8]) -> Blob {
        let blob = Blob {
            offset: self.pack.len(),
            len: bytes.len(),
        };
        self.pack.extend_from_slice(bytes);
        blob
    }

    /// Adds a step to the journal (not yet on disk: see [`Journal::commit`]).
    pub fn push(&mut self, entry: Entry) {
        self.file.entries.push(entry);
    }

    /// Writes the journal and flushes it to disk. Call before the first change it describes;
    /// call again after adding entries for later steps.
    ///
    /// # Errors
    /// When the journal cannot be written.
    pub fn commit(&self) -> Result<()> {
        fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        write_durably(&self.dir.join("blobs.pack"), &self.pack)?;
        failpoint::step();
        let json = serde_json::to_vec_pretty(&self.file).expect("journal entries serialise");
        let temp = self.dir.join("journal.json.tmp");
        write_durably(&temp, &json)?;
        let target = self.dir.join("journal.json");
        fs::rename(&temp, &target).map_err(|e| Error::io(&target, e))?;
        sync_dir(&self.dir);
        failpoint::step();
        Ok(())
    }

    /// Marks the run complete: every step is carried out. Until then, every command but
    /// `undo` refuses to run.
    ///
    /// # Errors
    /// When the marker cannot be written.
    pub fn finish(&self) -> Result<()> {
        write_durably(&self.dir.join(COMPLETE), b"")?;
        sync_dir(&self.dir);
        failpoint::step();
        Ok(())
    }

    /// The run's id (the name of its directory).
    pub fn id(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Rolls back the run `journal` describes, which this process is carrying out (so it holds the
/// lock, and the run's files are its own to restore: no check for later edits), then deletes
/// the run's directory. Works at any step boundary, as `undo` does after a crash.
///
/// # Errors
/// When a step cannot be undone; the journal then stays on disk, unfinished, for
/// `regraft undo`.
pub fn roll_back(root: &Path, journal: &Journal) -> Result<()> {
    Replay::new(root, &journal.file, &journal.pack).run(&journal.file)?;
    fs::remove_dir_all(&journal.dir).map_err(|e| Error::io(&journal.dir, e))
}

/// Keeps `.regraft/` out of `git status` through `.git/info/exclude` (never the user's
/// `.gitignore`).
pub fn exclude_from_git(git: &Git) {
    let Some(info) = git.index_path().parent().map(|d| d.join("info")) else {
        return;
    };
    let exclude = info.join("exclude");
    let current = fs::read_to_string(&exclude).unwrap_or_default();
    if current
        .lines()
        .any(|l| l.trim() == "/.regraft/" || l.trim() == ".regraft/")
    {
        return;
    }
    let _ = fs::create_dir_all(&info);
    let mut text = current;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(".regraft/\n");
    let _ = fs::write(&exclude, text);
}

/// The lock that keeps two runs from working on one tree at once; released on drop.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    /// [`Holder::Dead`] when the lock replaced one left by a process that no longer runs.
    replaced: Holder,
}

/// Who holds `.regraft/lock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// Nobody: there is no lock file.
    Nobody,
    /// A process that runs.
    Live(u32),
    /// A process that no longer runs (or an unreadable lock file, left by a crash between
    /// creating it and writing the process id).
    Dead(Option<u32>),
}

fn holder(path: &Path) -> Holder {
    let Ok(text) = fs::read_to_string(path) else {
        return Holder::Nobody;
    };
    match text.trim().parse::<u32>().ok() {
        Some(pid) if process_is_alive(pid) => Holder::Live(pid),
        pid => Holder::Dead(pid),
    }
}

impl Lock {
    /// Takes `root/.regraft/lock`, replacing a lock left by a process that no longer runs.
    ///
    /// # Errors
    /// [`Error::Locked`] when a live process holds it.
    pub fn acquire(root: &Path) -> Result<Self> {
        let dir = root.join(DIR);
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join("lock");
        let mut replaced = Holder::Nobody;
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    let _ = write!(file, "{}", std::process::id());
                    let _ = file.sync_all();
                    return Ok(Self { path, replaced });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match holder(&path) {
                    Holder::Live(pid) => return Err(Error::Locked { pid, lock: path }),
                    Holder::Dead(pid) => {
                        replaced = Holder::Dead(pid);
                        let _ = fs::remove_file(&path);
                    }
                    Holder::Nobody => {}
                },
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::io(
            &path,
            std::io::Error::other("could not take the lock"),
        ))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn process_is_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        // Without /proc we cannot tell; assume the holder lives (the message names the file).
        true
    }
}

/// How far a recorded run got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunState {
    /// `apply` carried out every step.
    Complete,
    /// `apply` stopped before the end (crash, kill, or an error it could not roll back).
    Unfinished,
    /// An `undo` of it began and did not finish.
    Undoing,
}

/// A run recorded under `.regraft/runs/`.
#[derive(Debug, Clone)]
struct Run {
    dir: PathBuf,
    /// The directory name: start time (seconds, nanoseconds) and process id.
    id: String,
    command: String,
    state: RunState,
}

/// The part of a journal that says what the run was.
#[derive(Deserialize)]
struct Header {
    version: u32,
    command: String,
}

impl Run {
    fn read(dir: PathBuf) -> Result<Self> {
        let journal_path = dir.join("journal.json");
        let text = fs::read(&journal_path).map_err(|e| Error::io(&journal_path, e))?;
        let header: Header = serde_json::from_slice(&text).map_err(|e| Error::Journal {
            path: journal_path.clone(),
            message: e.to_string(),
        })?;
        let state = if dir.join(UNDOING).exists() {
            RunState::Undoing
        } else if header.version < 2 || dir.join(COMPLETE).exists() {
            // Version 1 journals cannot tell; their runs are taken as finished.
            RunState::Complete
        } else {
            RunState::Unfinished
        };
        Ok(Self {
            id: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            dir,
            command: header.command,
            state,
        })
    }

    /// The process that made the run (the last part of its id).
    fn pid(&self) -> Option<u32> {
        self.id.rsplit('-').next().and_then(|p| p.parse().ok())
    }

    /// `<id>, started <UTC time> (`<command>`)`.
    fn describe(&self) -> String {
        let started = self
            .id
            .split('-')
            .next()
            .and_then(|s| s.parse::<u64>().ok())
            .map(utc_time)
            .unwrap_or_default();
        format!("{}, started {started} (`{}`)", self.id, self.command)
    }
}

/// The run directories under `root`, oldest first (ids start with the time).
fn run_dirs(root: &Path) -> Vec<PathBuf> {
    let runs = root.join(DIR).join("runs");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&runs)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The newest run that has a journal (runs cut off before theirs changed nothing).
fn newest_run(root: &Path) -> Result<Option<Run>> {
    run_dirs(root)
        .into_iter()
        .rev()
        .find(|d| d.join("journal.json").exists())
        .map(Run::read)
        .transpose()
}

/// Which earlier run was cut off, if one was.
enum Interrupted<'a> {
    /// None: the newest run finished, and no dead process left the lock.
    None,
    /// This run, with a journal: `undo` restores the tree as it was before it.
    Run(&'a Run),
    /// A process that died before its journal was written: it changed nothing.
    BeforeItsJournal(Option<u32>),
}

/// `lock` is who held the lock (a live holder is the caller's business, taken as none).
fn interrupted(newest: Option<&Run>, lock: Holder) -> Interrupted<'_> {
    match (newest, lock) {
        (Some(run), _) if run.state != RunState::Complete => Interrupted::Run(run),
        // The lock outlived a run that had finished every step (a crash just before the
        // lock was removed): that run is the one the user means.
        (Some(run), Holder::Dead(Some(pid))) if run.pid() == Some(pid) => Interrupted::Run(run),
        (_, Holder::Dead(pid)) => Interrupted::BeforeItsJournal(pid),
        (_, Holder::Nobody | Holder::Live(_)) => Interrupted::None,
    }
}

/// Refuses to go on while an earlier run is unfinished: the newest run's journal is not
/// complete (or its undo was cut off), or a process that no longer runs left the lock. Called
/// by every command but `undo`, which is the way out.
///
/// # Errors
/// [`Error::Unfinished`] naming the run; [`Error::Locked`] when a live run holds the lock;
/// [`Error::Journal`] when the newest journal cannot be read.
pub fn refuse_if_unfinished(root: &Path) -> Result<()> {
    let lock = root.join(DIR).join("lock");
    let mut found = holder(&lock);
    if found == Holder::Dead(None) {
        // A lock without a process id may be one a live run has just created: look again.
        std::thread::sleep(std::time::Duration::from_millis(100));
        found = holder(&lock);
    }
    if let Holder::Live(pid) = found {
        return Err(Error::Locked { pid, lock });
    }
    let newest = newest_run(root)?;
    match interrupted(newest.as_ref(), found) {
        Interrupted::None => Ok(()),
        Interrupted::Run(run) => Err(Error::Unfinished {
            what: if run.state == RunState::Undoing {
                "the undo of an earlier run was interrupted"
            } else {
                "an earlier run was interrupted"
            },
            run: run.describe(),
        }),
        Interrupted::BeforeItsJournal(pid) => Err(Error::Unfinished {
            what: "an earlier run was interrupted",
            run: format!(
                "process {} left {} (it had not written its journal yet)",
                pid.map_or_else(|| "?".to_owned(), |p| p.to_string()),
                lock.display()
            ),
        }),
    }
}

/// `secs` since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC` (proleptic Gregorian calendar;
/// Howard Hinnant's `civil_from_days`).
fn utc_time(secs: u64) -> String {
    let secs = i64::try_from(secs).unwrap_or(0);
    let rest = secs.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        utc_date(secs),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The UTC calendar day (`2026-11-27`) of `secs` seconds since the epoch: days to a civil
/// date in the proleptic Gregorian calendar, after Howard Hinnant's derivation.
pub(crate) fn utc_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// What [`undo`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undone {
    /// A run was undone.
    Run {
        /// The command of the run that was undone.
        command: String,
        /// How many steps were replayed.
        steps: usize,
    },
    /// A dead process had left the lock before it wrote its journal: it changed nothing, and
    /// the lock is gone now.
    StaleLock {
        /// The process that left it, when the lock named one.
        pid: Option<u32>,
    },
}

/// Undoes the newest run under `root` (finishing it first, in effect, when it was cut off), or
/// clears a lock left by a run that died before it changed anything.
///
/// # Errors
/// [`Error::NothingToUndo`]; [`Error::ChangedSinceRun`] (nothing changed) unless `force`;
/// [`Error::Locked`]; I/O failures.
pub fn undo(root: &Path, force: bool) -> Result<Undone> {
    let lock = Lock::acquire(root)?;
    let mut dirs = run_dirs(root);
    // Runs cut off before their journal was written changed nothing: clear them away.
    while let Some(dir) = dirs.last() {
        if dir.join("journal.json").exists() {
            break;
        }
        let _ = fs::remove_dir_all(dir);
        dirs.pop();
    }
    let newest = dirs.pop().map(Run::read).transpose()?;
    let run = match interrupted(newest.as_ref(), lock.replaced) {
        Interrupted::BeforeItsJournal(pid) => return Ok(Undone::StaleLock { pid }),
        Interrupted::Run(run) => run,
        Interrupted::None => newest.as_ref().ok_or(Error::NothingToUndo)?,
    };
    let dir = &run.dir;
    let journal_path = dir.join("journal.json");
    let text = fs::read(&journal_path).map_err(|e| Error::io(&journal_path, e))?;
    let journal: JournalFile = serde_json::from_slice(&text).map_err(|e| Error::Journal {
        path: journal_path.clone(),
        message: e.to_string(),
    })?;
    let pack_path = dir.join("blobs.pack");
    let pack = fs::read(&pack_path).map_err(|e| Error::io(&pack_path, e))?;
    let replay = Replay::new(root, &journal, &pack);
    let changed: Vec<String> = journal
        .entries
        .iter()
        .filter_map(|e| replay.changed_since(e))
        .collect();
    if !changed.is_empty() && !force {
        return Err(Error::ChangedSinceRun(changed));
    }
    // From here the tree is neither the run's nor the one before it until the replay ends:
    // say so on disk, so that a cut-off undo blocks other commands and is finished next time.
    write_durably(&dir.join(UNDOING), b"")?;
    sync_dir(dir);
    replay.run(&journal)?;
    fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    Ok(Undone::Run {
        command: journal.command,
        steps: journal.entries.len(),
    })
}

struct Replay<'a> {
    root: &'a Path,
    /// The files the run created, with what it wrote.
    created: std::collections::HashSet<(&'a str, u64)>,
    /// The files the run moved away or deleted, with their original fingerprints: a file the
    /// run created in such a place (a shim) must not take the original with it on undo.
    originals: std::collections::HashSet<(&'a str, u64)>,
    pack: &'a [u8],
    git: Option<Git>,
}

impl<'a> Replay<'a> {
    fn new(root: &'a Path, journal: &'a JournalFile, pack: &'a [u8]) -> Self {
        let created = journal
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Create { path, written_hash } => Some((path.as_str(), *written_hash)),
                _ => None,
            })
            .collect();
        let originals = journal
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::Move {
                    from: path,
                    original_hash,
                    ..
                }
                | Entry::Delete {
                    path,
                    original_hash,
                    ..
                } => Some((path.as_str(), *original_hash)),
                _ => None,
            })
            .collect();
        Self {
            root,
            created,
            originals,
            pack,
            git: Git::detect(root),
        }
    }

    /// Undoes every entry, newest first, and clears the temporary files a cut-off write left.
    fn run(&self, journal: &JournalFile) -> Result<()> {
        for entry in journal.entries.iter().rev() {
            self.undo(entry)?;
        }
        for entry in &journal.entries {
            for path in entry_paths(entry) {
                remove_temp_of(&self.root.join(path));
            }
        }
        Ok(())
    }
}

/// The files and directories an entry names.
fn entry_paths(entry: &Entry) -> Vec<&str> {
    match entry {
        Entry::Move { from, to, .. } => vec![from, to],
        Entry::CreateDir { path }
        | Entry::RemoveDir { path }
        | Entry::Write { path, .. }
        | Entry::Delete { path, .. }
        | Entry::Create { path, .. } => vec![path],
        Entry::GitIndex { .. } | Entry::GitCommit { .. } => Vec::new(),
    }
}

impl Replay<'_> {
    fn blob(&self, blob: Blob) -> Result<&[u8]> {
        self.pack
            .get(blob.offset..blob.offset + blob.len)
            .ok_or_else(|| Error::Journal {
                path: PathBuf::from("blobs.pack"),
                message: format!("a copy at {}+{} lies past its end", blob.offset, blob.len),
            })
    }

    /// True when `hash` is what the file at `path` held before the run moved or deleted it.
    fn is_original(&self, path: &str, hash: u64) -> bool {
        self.originals.contains(&(path, hash))
    }

    /// The file of `entry` that someone changed after the run, if any.
    fn changed_since(&self, entry: &Entry) -> Option<String> {
        let root = self.root;
        match entry {
            Entry::Move {
                from,
                to,
                original_hash,
                written_hash,
                ..
            } => {
                let expected_at_to = written_hash.unwrap_or(*original_hash);
                let at_to = fingerprint(&root.join(to));
                // A file the run created in the old place (a shim) counts as not there.
                let at_from = fingerprint(&root.join(from))
                    .filter(|h| !self.created.contains(&(from.as_str(), *h)));
                let to_ok = at_to.is_none_or(|h| h == expected_at_to);
                let from_ok = at_from.is_none_or(|h| h == *original_hash);
                let somewhere = at_to.is_some() || at_from.is_some();
                if !to_ok {
                    Some(to.clone())
                } else if !from_ok || !somewhere {
                    Some(from.clone())
                } else {
                    None
                }
            }
            Entry::Delete {
                path,
                original_hash,
                ..
            } => {
                let now = fingerprint(&root.join(path));
                now.is_some_and(|h| h != *original_hash)
                    .then(|| path.clone())
            }
            Entry::Create { path, written_hash } => {
                let now = fingerprint(&root.join(path));
                now.is_some_and(|h| h != *written_hash && !self.is_original(path, h))
                    .then(|| path.clone())
            }
            Entry::Write {
                path,
                original_hash,
                written_hash,
                ..
            } => {
                let now = fingerprint(&root.join(path));
                (now != Some(*original_hash) && now != Some(*written_hash)).then(|| path.clone())
            }
            // HEAD may only carry the run's own commits on top of where it was.
            Entry::GitCommit { previous_head } => {
                let git = self.git.as_ref()?;
                let ours = git.messages_since(previous_head).is_ok_and(|messages| {
                    messages.len() <= 2 && messages.iter().all(|m| m.contains("(regraft"))
                });
                (!ours).then(|| "HEAD (commits made after the run)".to_owned())
            }
            Entry::CreateDir { .. } | Entry::RemoveDir { .. } | Entry::GitIndex { .. } => None,
        }
    }

    fn undo(&self, entry: &Entry) -> Result<()> {
        let root = self.root;
        match entry {
            Entry::CreateDir { path } => {
                // Only if empty: anything in it now is not the run's to delete.
                let _ = fs::remove_dir(root.join(path));
            }
            Entry::RemoveDir { path } => {
                let path = root.join(path);
                fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
            }
            Entry::Move {
                from,
                to,
                original_hash,
                original_blob,
                mode,
                ..
            } => {
                let (from, to) = (root.join(from), root.join(to));
                remove_temp_of(&to);
                if let Some(parent) = from.parent() {
                    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                match original_blob {
                    Some(blob) => {
                        if fingerprint(&from) != Some(*original_hash) {
                            write_with_mode(&from, self.blob(*blob)?, *mode)?;
                        }
                        if fs::symlink_metadata(&to).is_ok() {
                            fs::remove_file(&to).map_err(|e| Error::io(&to, e))?;
                        }
                    }
                    None => {
                        if fs::symlink_metadata(&from).is_err() && fs::symlink_metadata(&to).is_ok()
                        {
                            fs::rename(&to, &from).map_err(|e| Error::io(&to, e))?;
                        }
                    }
                }
            }
            Entry::Write {
                path,
                original_hash,
                original_blob,
                mode,
                ..
            } => {
                let path = root.join(path);
                remove_temp_of(&path);
                if fingerprint(&path) != Some(*original_hash) || file_mode(&path) != Some(*mode) {
                    write_with_mode(&path, self.blob(*original_blob)?, *mode)?;
                }
            }
            Entry::Delete {
                path,
                original_hash,
                original_blob,
                mode,
            } => {
                let path = root.join(path);
                if fingerprint(&path) != Some(*original_hash) {
                    if let Some(parent) = path.parent() {
                        fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                    }
                    write_with_mode(&path, self.blob(*original_blob)?, *mode)?;
                }
            }
            Entry::Create { path, .. } => {
                let full = root.join(path);
                remove_temp_of(&full);
                // A run stopped before it made this file may find the original still there.
                let original = fingerprint(&full).is_some_and(|h| self.is_original(path, h));
                if fs::symlink_metadata(&full).is_ok() && !original {
                    fs::remove_file(&full).map_err(|e| Error::io(&full, e))?;
                }
            }
            Entry::GitIndex { blob } => {
                if let Some(git) = &self.git {
                    write_durably(git.index_path(), self.blob(*blob)?)?;
                }
            }
            Entry::GitCommit { previous_head } => {
                if let Some(git) = &self.git {
                    git.reset_head(previous_head)?;
                }
            }
        }
        Ok(())
    }
}

/// A fingerprint of a file's bytes (or of a symlink's target), `None` when nothing is there.
pub fn fingerprint(path: &Path) -> Option<u64> {
    let meta = fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        let target = fs::read_link(path).ok()?;
        let mut bytes = b"symlink:".to_vec();
        bytes.extend_from_slice(target.to_string_lossy().as_bytes());
        return Some(fnv1a(&bytes));
    }
    fs::read(path).ok().map(|bytes| fnv1a(&bytes))
}

/// The 64-bit FNV-1a hash: stable across versions and platforms, which a journal needs.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The Unix permission bits of `path` (0 elsewhere).
pub fn file_mode(path: &Path) -> Option<u32> {
    let meta = fs::symlink_metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some(0)
    }
}

/// The temporary file name that [`write_atomically`] uses next to `target`.
pub fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    target.with_file_name(format!(".{name}.regraft-tmp"))
}

fn remove_temp_of(target: &Path) {
    let _ = fs::remove_file(temp_path(target));
}

/// Writes `bytes` to a temporary file next to `target` with permission bits `mode` (when
/// given), flushes it and renames it over `target`.
///
/// # Errors
/// When any step fails; the temporary file is removed then.
pub fn write_atomically(target: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    let temp = write_temp(target, bytes, mode)?;
    let result = (|| {
        // Opened for writing: some systems flush only a handle that may write.
        fs::OpenOptions::new().write(true).open(&temp)?.sync_all()?;
        failpoint::step();
        fs::rename(&temp, target)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        Error::io(target, e)
    })?;
    failpoint::step();
    Ok(())
}

/// Writes `bytes` to the temporary file next to `target` (see [`temp_path`]) with
/// permission bits `mode` (when given), without flushing it: [`flush`] does that for many
/// files at once, and [`replace_with_temp`] puts it in place afterwards.
///
/// # Errors
/// When the file cannot be written; the temporary file is removed then.
pub fn write_temp(target: &Path, bytes: &[u8], mode: Option<u32>) -> Result<PathBuf> {
    let temp = temp_path(target);
    let result = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        #[cfg(unix)]
        if let Some(mode) = mode {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
        Ok(())
    })();
    result.map_err(|e: std::io::Error| {
        let _ = fs::remove_file(&temp);
        Error::io(target, e)
    })?;
    Ok(temp)
}

/// Makes the contents of `files` durable: one `syncfs` per file system they live on (Linux),
/// else an `fsync` of each.
///
/// # Errors
/// When a flush fails (the files may not be on disk: nothing may be put in place).
pub fn flush(files: &[PathBuf]) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let dirs: std::collections::BTreeSet<&Path> =
            files.iter().filter_map(|f| f.parent()).collect();
        let mut flushed = std::collections::HashSet::new();
        for dir in dirs {
            let device = fs::metadata(dir).map_err(|e| Error::io(dir, e))?.dev();
            if flushed.insert(device) {
                let handle = fs::File::open(dir).map_err(|e| Error::io(dir, e))?;
                rustix::fs::syncfs(&handle).map_err(|e| Error::io(dir, std::io::Error::from(e)))?;
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    for path in files {
        fs::File::open(path)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

/// Renames the temporary file [`write_temp`] wrote over `target`.
///
/// # Errors
/// When the rename fails; the temporary file is removed then.
pub fn replace_with_temp(target: &Path) -> Result<()> {
    let temp = temp_path(target);
    fs::rename(&temp, target).map_err(|e| {
        let _ = fs::remove_file(&temp);
        Error::io(target, e)
    })
}

fn write_with_mode(target: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    write_atomically(target, bytes, Some(mode))
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = fs::File::create(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_lock_held_by_a_live_process_refuses_and_a_dead_one_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let lock_path = tmp.path().join(DIR).join("lock");
        fs::create_dir_all(lock_path.parent().unwrap()).unwrap();
        // PID 1 always runs.
        fs::write(&lock_path, "1").unwrap();
        assert!(matches!(
            Lock::acquire(tmp.path()),
            Err(Error::Locked { pid: 1, .. })
        ));
        // No process has a PID this large on Linux (pid_max is at most 2^22).
        fs::write(&lock_path, "4294967295").unwrap();
        let lock = Lock::acquire(tmp.path()).unwrap();
        assert_eq!(
            fs::read_to_string(&lock_path).unwrap(),
            std::process::id().to_string()
        );
        drop(lock);
        assert!(!lock_path.exists());
    }

    #[test]
    fn utc_time_matches_known_dates() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_time(951_782_400 + 3_723), "2000-02-29 01:02:03 UTC");
        assert_eq!(utc_time(1_735_689_599), "2024-12-31 23:59:59 UTC");
    }

    fn run_with(root: &Path, version: u32, complete: bool) {
        let dir = root
            .join(DIR)
            .join("runs/001700000000-000000001-4294967295");
        fs::create_dir_all(&dir).unwrap();
        let journal =
            format!(r#"{{"version": {version}, "command": "regraft apply a b", "entries": []}}"#);
        fs::write(dir.join("journal.json"), journal).unwrap();
        fs::write(dir.join("blobs.pack"), "").unwrap();
        if complete {
            fs::write(dir.join(COMPLETE), "").unwrap();
        }
    }

    #[test]
    fn a_version_1_journal_counts_as_complete() {
        let tmp = tempfile::tempdir().unwrap();
        run_with(tmp.path(), 1, false);
        assert!(refuse_if_unfinished(tmp.path()).is_ok());
    }

    #[test]
    fn a_version_2_journal_without_its_marker_blocks_other_commands() {
        let tmp = tempfile::tempdir().unwrap();
        run_with(tmp.path(), 2, false);
        let err = refuse_if_unfinished(tmp.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "an earlier run was interrupted before it finished: 001700000000-000000001-4294967295, \
             started 2023-11-14 22:13:20 UTC (`regraft apply a b`)"
        );
        run_with(tmp.path(), 2, true);
        assert!(refuse_if_unfinished(tmp.path()).is_ok());
    }

    #[test]
    fn undo_without_a_run_says_so() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(matches!(undo(tmp.path(), false), Err(Error::NothingToUndo)));
    }
}
