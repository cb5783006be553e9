//! File I/O off the UI task: draft writes (fsync'd, once a second while typing), backups and
//! deletes, log saves, plan loads and the startup draft scan all run on one thread, in the order
//! they were asked for — a draft written and then deleted (a save that succeeded) is never
//! reordered into a delete followed by a stale write.
use crate::app::logs::LogEvent;
use crate::app::msg::{Msg, OpResult, SourceEvent};
use crate::domain::manifest::ItemDraft;
use crate::sources::drafts::DraftStore;
use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use tokio::sync::{mpsc, oneshot};

/// One piece of file work.
#[derive(Debug)]
pub enum FileJob {
    WriteDraft(Box<ItemDraft>),
    WriteBackup(Box<ItemDraft>),
    DeleteDraft {
        context: Option<String>,
        namespace: String,
        name: String,
    },
    SaveLogs {
        path: PathBuf,
        contents: String,
        lines: usize,
    },
    LoadPlan(PathBuf),
    /// Offer the drafts an earlier session left.
    OfferDrafts,
}

enum Job {
    Work(FileJob, super::InFlight),
    /// Answered once every job queued before it is done.
    Flush(oneshot::Sender<()>),
}

/// The sending side of the file thread. The thread ends when the last clone is dropped.
#[derive(Clone)]
pub struct FileWorker {
    jobs: std_mpsc::Sender<Job>,
}

impl FileWorker {
    /// Starts the thread; results go to `tx` as messages.
    pub fn start(drafts: Option<DraftStore>, tx: mpsc::Sender<Msg>) -> FileWorker {
        let (jobs, rx) = std_mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("swarm-files".into())
            .spawn(move || {
                for job in rx {
                    match job {
                        Job::Work(job, in_flight) => {
                            if let Some(msg) = run(drafts.as_ref(), job) {
                                // A plain thread, not a runtime worker: blocking here is fine,
                                // and waits for the UI to catch up rather than dropping results.
                                let _ = tx.blocking_send(msg);
                            }
                            drop(in_flight);
                        }
                        Job::Flush(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            // Without a thread the jobs queue up unanswered; say so where the logs go.
            tracing::error!(error = %e, "cannot start the file worker thread");
        }
        FileWorker { jobs }
    }

    pub(super) fn submit(&self, job: FileJob, in_flight: super::InFlight) {
        if self.jobs.send(Job::Work(job, in_flight)).is_err() {
            tracing::warn!("the file worker has stopped: a file job was dropped");
        }
    }

    /// Waits until every job submitted so far is done (before the process exits, so a draft
    /// typed just before `q` is on disk).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.jobs.send(Job::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

/// Does one job; the message to send back, if any.
fn run(drafts: Option<&DraftStore>, job: FileJob) -> Option<Msg> {
    match job {
        FileJob::WriteDraft(draft) => {
            let store = drafts?;
            store.write(&draft).err().map(|e| {
                Msg::Op(OpResult::DraftWriteFailed(format!(
                    "{}: {e}",
                    store.dir().display()
                )))
            })
        }
        FileJob::WriteBackup(draft) => {
            let store = drafts?;
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S").to_string();
            store
                .write_backup(&draft, &stamp)
                .err()
                .map(|e| Msg::Op(OpResult::DraftWriteFailed(format!("backup: {e}"))))
        }
        FileJob::DeleteDraft {
            context,
            namespace,
            name,
        } => {
            if let Err(e) = drafts?.delete(context.as_deref(), &namespace, &name) {
                tracing::warn!(error = %e, %name, "cannot delete draft");
            }
            None
        }
        FileJob::SaveLogs {
            path,
            contents,
            lines,
        } => {
            let event = match crate::sources::logs::write_new_file(&path, &contents) {
                Ok(path) => LogEvent::Saved { path, lines },
                Err((path, e)) => LogEvent::SaveFailed {
                    path,
                    error: e.to_string(),
                },
            };
            Some(Msg::Log(event))
        }
        FileJob::LoadPlan(path) => Some(match crate::domain::Plan::load(&path) {
            Ok(plan) => Msg::Op(OpResult::PlanLoaded(Box::new(plan))),
            Err(e) => Msg::Source(SourceEvent::Notice(format!("plan not loaded: {e}"))),
        }),
        FileJob::OfferDrafts => {
            let (found, problems) = drafts?.list();
            for p in problems {
                tracing::warn!(problem = %p, "unreadable draft");
            }
            (!found.is_empty()).then_some(Msg::Op(OpResult::DraftsFound(found)))
        }
    }
}
