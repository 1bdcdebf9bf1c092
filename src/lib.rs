//! blockchain-report: regenerates the 2023-2024 中国区块链年度发展报告 from `data/`.
//!
//! Data flows one way: [`config`] → [`catalog`] → [`data`] (Polars, and nothing else uses
//! it) → plain [`model`] values → [`audit`] → [`edition`] (what is printed) → [`charts`] →
//! [`render`] (tera → one [`document`]) → [`write`] (Markdown, HTML, Typst) → [`pdf`] (the print
//! edition, typeset from the document). [`build`] runs the stages.

pub mod audit;
pub mod build;
pub mod cache;
pub mod catalog;
pub mod charts;
pub mod config;
pub mod data;
pub mod diff;
pub mod document;
pub mod edition;
pub mod error;
pub mod manifest;
pub mod model;
pub mod numfmt;
pub mod paths;
pub mod pdf;
pub mod render;
pub mod revisions;
pub mod series;
pub mod serve;
pub mod text;
pub mod write;

/// glibc's malloc grows its heap by what is asked and gives freed memory back to the kernel
/// as soon as it can, while a build allocates and frees a few hundred MiB (Typst most of it);
/// the kernel's share was a fifth of the build's CPU. Growing by 64 MiB more each time (and
/// keeping that much when trimming) cut that system time in the cold build of every edition
/// by a quarter (README, Speed). The program calls this first; so does the benchmark's
/// process that stands for it.
pub fn grow_the_heap_in_large_steps() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}
