//! Running the real `scim-conformance` binary from a test: a command with a deadline, a `serve`
//! process on a free port (killed when dropped), and temporary folders.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_scim-conformance");

/// What a finished command printed.
pub struct Output {
    /// The exit code (none when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Both streams.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Ok if `cond`, else an error with `what` and both streams.
    pub fn expect(&self, cond: bool, what: &str) -> Result<(), String> {
        if cond {
            Ok(())
        } else {
            Err(format!(
                "{what}\nexit code: {:?}\n--- stdout\n{}\n--- stderr\n{}",
                self.code, self.stdout, self.stderr
            ))
        }
    }
}

/// A command for the binary with a clean environment for the harness's variables.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    command_for(BIN, args, env)
}

/// [`command`] for any copy of the binary (an installed one, say).
pub fn command_for(bin: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("SCIM_TOKEN")
        .env_remove("SCIM_TARGET_URL")
        .env("RUST_BACKTRACE", "0")
        .env("NO_PROXY", "127.0.0.1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Collects a pipe on a thread.
pub fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_string(&mut s);
        }
        s
    })
}

/// Waits for a started command, killing it after `limit`.
pub fn wait(mut child: Child, limit: Duration, what: &str) -> Result<Output, String> {
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            return Err(format!("`{what}` did not finish within {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// Runs the binary with a deadline; a hang is killed and reported, never waited on forever.
pub fn run(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Result<Output, String> {
    run_bin(BIN, None, args, env, limit)
}

/// [`run`] for any copy of the binary, optionally in another working directory.
pub fn run_bin(
    bin: &str,
    cwd: Option<&std::path::Path>,
    args: &[&str],
    env: &[(&str, &str)],
    limit: Duration,
) -> Result<Output, String> {
    let mut cmd = command_for(bin, args, env);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {bin}: {e}"))?;
    wait(
        child,
        limit,
        &format!("scim-conformance {}", args.join(" ")),
    )
}

/// A `serve` process on a free port; killed when dropped.
pub struct Server {
    /// The `serve` process.
    pub child: Child,
    /// Its SCIM base URL.
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` with this token and extra flags.
pub fn serve(token: &str, extra: &[&str]) -> Result<Server, String> {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--token", token])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start serve: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("reference SCIM server at ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(20))
        .map_err(|_| "serve printed no URL within 20 s".to_string())?;
    Ok(Server { child, url })
}

/// A fresh temporary folder path (not created).
pub fn temp_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "scimconf-{name}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ))
}
