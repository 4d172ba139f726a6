//! Integration tests: the real binaries, run in a temporary private SIGIL_HOME.

mod add;
mod age_interop;
mod backends;
mod backup;
mod concurrency;
mod dispatch;
mod get;
mod git_credential;
mod help;
mod init;
mod keyring;
mod library;
mod list;
mod migrate;
mod oauth;
mod references;
mod rm;
mod status;
mod support;
mod tty;
