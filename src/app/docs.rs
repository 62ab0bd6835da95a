//! `sockwhy completions SHELL` and `sockwhy manpage`: made from the clap definitions, so
//! they never disagree with `--help`.

use super::cli::Cli;
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;

/// The completion script for `shell`, on stdout.
pub fn write_completions(shell: clap_complete::Shell) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut Cli::command(), "sockwhy", &mut out);
    out.flush().context("cannot write to stdout")?;
    Ok(0)
}

/// The manual page sockwhy(1) in roff, on stdout: the command, its options and a section
/// per subcommand.
pub fn write_manpage() -> Result<i32> {
    let cmd = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut page)
        .context("cannot render the manual page")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("sockwhy {}", sub.get_name());
        let sub = sub
            .clone()
            .bin_name(name.clone())
            .display_name(name.clone());
        // Each subcommand as a section of the one page, not a page of its own.
        let mut part = format!(".SH \"{}\"\n", name.to_uppercase()).into_bytes();
        let man = clap_mangen::Man::new(sub);
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        man.render_options_section(&mut part)?;
        page.extend(demote_sections(&part));
    }
    let mut out = std::io::stdout().lock();
    out.write_all(&page).context("cannot write to stdout")?;
    out.flush().context("cannot write to stdout")?;
    Ok(0)
}

/// A subcommand's sections as subsections (`.SH` -> `.SS`) of its own section (the
/// first line).
fn demote_sections(roff: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    let mut lines = text.lines();
    let mut out = lines.next().map(|l| format!("{l}\n")).unwrap_or_default();
    for l in lines {
        match l.strip_prefix(".SH ") {
            Some(title) => out.push_str(&format!(".SS {title}\n")),
            None => out.push_str(&format!("{l}\n")),
        }
    }
    out.into_bytes()
}
