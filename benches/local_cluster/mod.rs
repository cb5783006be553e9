//! Models a remote cluster on a machine that runs its own: the cockpit keeps its normal scheduling
//! priority and everything else the bench starts or talks to on this machine (the API server
//! listening on the kubeconfig's loopback port, etcd, and the bench's own threads: the churn and
//! the probe) is lowered to nice 19. The bench's pty reader, the user's terminal, is not.
//!
//! Why: an engineer runs the cockpit on a laptop against a cluster elsewhere. On the bench's 2-core
//! machine the API server and etcd serving hundreds of writes a second take the cores the cockpit
//! wants, and a frame's wall time then counts the wait for a core (the soak's report shows those
//! frames preempted, under 16 ms of the cockpit's own CPU time). At nice 19 they still run at full
//! speed whenever the cockpit is idle, so the churn's rate is unchanged; they just stop delaying it.
//!
//! Two levels, because Linux schedules both:
//! - nice values are per thread, inherited by the threads a thread starts: every thread of each
//!   process is lowered, and those started later follow;
//! - with `sched_autogroup_enabled` (the default on many distributions) every session is a
//!   scheduling group and nice values only order threads inside it: the cockpit has a session of
//!   its own (the pty), the others share one, so their session's group is lowered too
//!   (`/proc/PID/autogroup`).
//!
//! Both are put back when the [`Lowered`] guard drops, where the system lets this user raise a
//! priority again (root, or an `RLIMIT_NICE`); otherwise the bench says what stays lowered.
use std::collections::BTreeSet;
use std::path::Path;

pub const NICE: i32 = 19;

/// What was lowered and how to put it back.
pub struct Lowered {
    /// For the bench's report: (process description, pid).
    pub processes: Vec<(String, u32)>,
    /// Autogroups lowered: (a pid in it, its name, its nice before).
    pub autogroups: Vec<(u32, String, i32)>,
    threads: Vec<(u32, i32)>,
}

impl Drop for Lowered {
    fn drop(&mut self) {
        let mut kept = 0;
        for (tid, nice) in &self.threads {
            // SAFETY: plain integers; a thread that exited meanwhile is ESRCH, and fine.
            let put_back = unsafe { libc::setpriority(libc::PRIO_PROCESS, *tid, *nice) } == 0;
            let gone = !Path::new(&format!("/proc/{tid}")).exists();
            kept += usize::from(!put_back && !gone);
        }
        for (pid, name, nice) in &self.autogroups {
            if std::fs::write(format!("/proc/{pid}/autogroup"), nice.to_string()).is_err()
                && Path::new(&format!("/proc/{pid}")).exists()
            {
                println!(
                    "soak: {name} stays at nice {NICE} (raising a priority again needs \
                     CAP_SYS_NICE or RLIMIT_NICE): it ends with its session"
                );
            }
        }
        if kept > 0 {
            println!(
                "soak: {kept} threads stay at nice {NICE} (raising a priority needs CAP_SYS_NICE)"
            );
        }
    }
}

/// Lowers everything listed above; the cockpit (`cockpit`, already started) keeps its priority.
pub async fn lower_all_but_the_cockpit(kubeconfig: &Path, context: &str, cockpit: u32) -> Lowered {
    let mut candidates = vec![("the bench".to_owned(), std::process::id())];
    if let Some(port) = loopback_port(kubeconfig, context).await {
        for pid in listeners(port) {
            candidates.push((format!("the API server on port {port}"), pid));
        }
    }
    for pid in own_processes_named("etcd") {
        candidates.push(("etcd".to_owned(), pid));
    }
    let cockpit_group = autogroup(cockpit).map(|(name, _)| name);
    let mut lowered = Lowered {
        processes: Vec::new(),
        autogroups: Vec::new(),
        threads: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    for (what, pid) in candidates {
        if pid == cockpit || !seen.insert(pid) {
            continue;
        }
        let threads = lower_threads(pid);
        if threads.is_empty() {
            continue;
        }
        lowered.threads.extend(threads);
        lowered.processes.push((what, pid));
        if let Some((name, nice)) = autogroup(pid)
            && Some(&name) != cockpit_group.as_ref()
            && !lowered.autogroups.iter().any(|(_, n, _)| *n == name)
            && std::fs::write(format!("/proc/{pid}/autogroup"), NICE.to_string()).is_ok()
        {
            lowered.autogroups.push((pid, name, nice));
        }
    }
    lowered
}

/// The process's scheduling autogroup and its nice value ("/autogroup-25 nice 0"); None when
/// autogroups are off.
fn autogroup(pid: u32) -> Option<(String, i32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/autogroup")).ok()?;
    let mut words = text.split_whitespace();
    let name = words.next()?.to_owned();
    let nice = words.nth(1)?.parse().ok()?;
    Some((name, nice))
}

/// The bench's thread that reads the cockpit's pty: it stands for the user's terminal emulator,
/// which runs beside the cockpit at the user's priority. Lowered, it would be slow to drain the
/// pty and the cockpit's frames would wait in `write`.
const THE_TERMINAL: &str = "pty-reader";

/// Lowers every thread of `pid` but the terminal's: (thread id, its nice before) of those lowered.
fn lower_threads(pid: u32) -> Vec<(u32, i32)> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    let mut lowered = Vec::new();
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == THE_TERMINAL {
            continue;
        }
        let Some(tid) = task
            .file_name()
            .to_str()
            .and_then(|t| t.parse::<u32>().ok())
        else {
            continue;
        };
        // SAFETY: plain integers; a thread that exited meanwhile is ESRCH.
        let before = unsafe { libc::getpriority(libc::PRIO_PROCESS, tid) };
        // SAFETY: as above.
        if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, NICE) } == 0 {
            lowered.push((tid, before));
        }
    }
    lowered
}

/// The port of the context's server when it is on this machine (loopback).
async fn loopback_port(kubeconfig: &Path, context: &str) -> Option<u16> {
    let config = kube::config::Kubeconfig::read_from(kubeconfig).ok()?;
    let options = kube::config::KubeConfigOptions {
        context: Some(context.to_owned()),
        ..Default::default()
    };
    let uri = kube::Config::from_custom_kubeconfig(config, &options)
        .await
        .ok()?
        .cluster_url;
    let host = uri.host()?.trim_matches(['[', ']']);
    let local = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let default = if uri.scheme_str() == Some("http") {
        80
    } else {
        443
    };
    local.then(|| uri.port_u16().unwrap_or(default))
}

/// Processes holding a TCP socket that listens on `port` (from `/proc/net/tcp{,6}` and each
/// process's open descriptors).
fn listeners(port: u16) -> Vec<u32> {
    const LISTEN: &str = "0A";
    let mut inodes = BTreeSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let listening_here = local
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok())
                == Some(port);
            if listening_here && *state == LISTEN {
                inodes.insert(format!("socket:[{inode}]"));
            }
        }
    }
    all_pids()
        .filter(|pid| {
            std::fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
                fds.flatten().any(|fd| {
                    std::fs::read_link(fd.path())
                        .is_ok_and(|target| inodes.contains(target.to_string_lossy().as_ref()))
                })
            })
        })
        .collect()
}

fn own_processes_named(name: &str) -> Vec<u32> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: getuid cannot fail.
    let me = unsafe { libc::getuid() };
    all_pids()
        .filter(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            comm.trim() == name
                && std::fs::metadata(format!("/proc/{pid}")).is_ok_and(|m| m.uid() == me)
        })
        .collect()
}

fn all_pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
}
