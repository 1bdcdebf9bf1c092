//! `serve` under abuse, on loopback with bounded waits: it listens on 127.0.0.1 only, serves
//! only the files of the last build (no path reaches the disk), and clients that send
//! nothing, read nothing, or come a hundred at once stop neither rebuilds nor other clients.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve --port 0` and returns it with the address it printed.
fn start(dir: &std::path::Path) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_blockchain-report"))
        .args(["serve", "--port", "0", "--config"])
        .arg(dir.join("report.yaml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().trim_start_matches("serving http://").trim_end_matches(" (Ctrl-C to stop)").trim_end_matches('/');
    (Server(child), address.to_string())
}

/// One request; the status line and the body. Every wait is bounded.
fn request(address: &str, raw: &str) -> (String, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (head.lines().next().unwrap_or("").to_string(), body.to_string())
}

fn get(address: &str, path: &str) -> (String, String) {
    request(address, &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"))
}

fn wait_for(address: &str, path: &str, ok: impl Fn(&str) -> bool) {
    for _ in 0..300 {
        if ok(&get(address, path).1) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{path} never became as expected");
}

#[test]
fn listens_on_loopback_only_and_never_serves_paths_outside_the_build() {
    let dir = mini();
    let (_server, address) = start(dir.path());
    assert!(address.starts_with("127.0.0.1:"), "serve must listen on loopback only, not {address}");
    wait_for(&address, "/report.html", |b| b.contains("测试政策一览表"));
    std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
    for path in [
        "/../report.yaml",
        "/..%2freport.yaml",
        "/%2e%2e/report.yaml",
        "/charts/../../report.yaml",
        "/report.yaml",
        "/secret.txt",
        "//etc/passwd",
        "/output/report.html",
        "/..\\report.yaml",
    ] {
        let (status, body) = get(&address, path);
        assert!(status.contains("404"), "{path} gave {status}");
        assert!(!body.contains("edition") && !body.contains("secret") && !body.contains("root:"), "{path} leaked {body}");
    }
    assert!(get(&address, "/charts/scale.svg").0.contains("200"), "files of the build are served");
}

#[test]
fn silent_slow_and_many_clients_stop_neither_rebuilds_nor_other_clients() {
    let dir = mini();
    let (_server, address) = start(dir.path());
    wait_for(&address, "/report.html", |b| b.contains("测试政策一览表"));

    // Clients that connect and send nothing, and clients that ask and never read.
    let silent: Vec<TcpStream> = (0..5).map(|_| TcpStream::connect(&address).unwrap()).collect();
    let slow: Vec<TcpStream> = (0..5)
        .map(|_| {
            let mut s = TcpStream::connect(&address).unwrap();
            // The font (3.5 MB) is more than the socket buffers hold: the server blocks writing.
            write!(s, "GET /assets/fonts/NotoSansSC-subset.otf HTTP/1.1\r\n\r\n").unwrap();
            s
        })
        .collect();
    // A request line that never ends.
    let mut endless = TcpStream::connect(&address).unwrap();
    endless.write_all(&vec![b'a'; 64 * 1024]).unwrap_or(());

    // A hundred clients at once all get their answer.
    let clients: Vec<_> = (0..100)
        .map(|_| {
            let address = address.clone();
            std::thread::spawn(move || get(&address, "/__status"))
        })
        .collect();
    for client in clients {
        let (status, body) = client.join().unwrap();
        assert!(status.contains("200") && body.contains("\"version\""), "{status} {body}");
    }

    // And a rebuild still goes through while the idle clients hang on.
    edit(dir.path(), "editions/2023/templates/chapters/01.md", "### （一）测试", "### （一）仍在重建");
    wait_for(&address, "/report.html", |b| b.contains("仍在重建"));
    drop((silent, slow, endless));
}
