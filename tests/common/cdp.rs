//! A headless Chromium and one page in it, driven over the DevTools protocol through a pipe
//! (`--remote-debugging-pipe`): a few JSON messages, no client crate to compile. Shared by
//! tests/browser.rs and the serve benchmark (benches/full_build.rs).

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(120);

pub struct Browser {
    child: Child,
    to_browser: File,
    from_browser: Receiver<Value>,
    next_id: u64,
    session: String,
    /// Every event received so far (console messages, exceptions, log entries, loads).
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn launch(binary: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (to_browser_r, to_browser_w) = std::io::pipe().unwrap();
        let (from_browser_r, from_browser_w) = std::io::pipe().unwrap();
        let (read_fd, write_fd) = (OwnedFd::from(to_browser_r), OwnedFd::from(from_browser_w));
        let (r, w) = (read_fd.as_raw_fd(), write_fd.as_raw_fd());
        let mut command = Command::new(binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls between fork and exec. Chromium reads
        // commands on fd 3 and writes replies on fd 4. Both ends are duplicated before
        // either is moved, so neither can overwrite the other.
        unsafe {
            command.pre_exec(move || {
                let (a, b) = (libc::dup(r), libc::dup(w));
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("could not start {}: {e}", binary.display()));
        drop((read_fd, write_fd));
        let (send, receive) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from_browser_r);
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                message.pop_if(|b| *b == 0);
                if let Ok(value) = serde_json::from_slice::<Value>(&message)
                    && send.send(value).is_err()
                {
                    break;
                }
                message.clear();
            }
        });
        let mut browser = Browser {
            child,
            to_browser: File::from(OwnedFd::from(to_browser_w)),
            from_browser: receive,
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.call("Target.attachToTarget", json!({"targetId": target["targetId"], "flatten": true}));
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page", "Runtime", "Log"] {
            browser.call(&format!("{domain}.enable"), json!({}));
        }
        browser
    }

    /// Sends one command (to the page once attached) and waits for its reply.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params).unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// [`Browser::call`], with the browser's error (a page navigating away meanwhile) returned.
    pub fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to_browser.write_all(&bytes).unwrap();
        let reply = self.wait(|m| m["id"] == id, &format!("the reply to {method}"));
        match reply.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(reply["result"].clone()),
        }
    }

    /// Waits for a message, keeping every event that arrives meanwhile.
    pub fn wait(&mut self, wanted: impl Fn(&Value) -> bool, what: &str) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from_browser.recv_timeout(left) {
                Ok(message) => {
                    if message.get("method").is_some() {
                        self.events.push(message.clone());
                    }
                    if wanted(&message) {
                        return message;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("Chromium did not send {what} within {TIMEOUT:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("Chromium exited while waiting for {what}"),
            }
        }
    }

    /// Evaluates a script in the page (awaiting a promise) and returns its value.
    pub fn eval(&mut self, script: &str) -> Value {
        let result = self.call("Runtime.evaluate", json!({"expression": script, "awaitPromise": true, "returnByValue": true}));
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("script failed: {exception}\n{script}");
        }
        result["result"]["value"].clone()
    }

    /// Sets the window size and opens a page, waiting for its load and its fonts.
    pub fn open(&mut self, url: &str, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
        let loads = self.events.iter().filter(|e| e["method"] == "Page.loadEventFired").count();
        self.call("Page.navigate", json!({"url": url}));
        if self.events.iter().filter(|e| e["method"] == "Page.loadEventFired").count() == loads {
            self.wait(|m| m["method"] == "Page.loadEventFired", "the page's load event");
        }
        self.eval("document.fonts.ready.then(() => true)");
    }

    /// Console errors, uncaught exceptions and failed loads so far.
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str()? {
                "Runtime.consoleAPICalled" if matches!(e["params"]["type"].as_str(), Some("error" | "assert")) => {
                    Some(format!("console: {}", e["params"]["args"]))
                }
                "Runtime.exceptionThrown" => Some(format!("exception: {}", e["params"]["exceptionDetails"])),
                "Log.entryAdded" if e["params"]["entry"]["level"] == "error" => {
                    Some(format!("log: {} {}", e["params"]["entry"]["text"], e["params"]["entry"]["url"]))
                }
                _ => None,
            })
            .collect()
    }

    /// Writes a screenshot of the viewport when $BROWSER_SCREENSHOTS names a directory.
    pub fn screenshot(&mut self, name: &str) {
        let Some(dir) = std::env::var_os("BROWSER_SCREENSHOTS") else { return };
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let path = Path::new(&dir).join(format!("{name}.png"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, base64(shot["data"].as_str().unwrap())).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()).map(value).collect();
    digits
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().enumerate().fold(0u32, |n, (i, d)| n | (*d as u32) << (18 - 6 * i));
            n.to_be_bytes()[1..c.len()].to_vec()
        })
        .collect()
}
