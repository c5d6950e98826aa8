//! `crm build`: runs each component's `[component.X.build]` commands, like `spin build`.

use anyhow::{bail, Context, Result};
use std::process::Command;

use crate::manifest::App;

/// Runs every build command in manifest order, stopping at the first failure.
pub fn build(app: &App) -> Result<()> {
    ensure_wasm_target(app)?;
    for (id, component) in &app.manifest.component {
        let Some(build) = &component.build else {
            continue;
        };
        let workdir = build
            .workdir
            .as_deref()
            .map_or_else(|| app.dir.clone(), |w| app.resolve(w));
        for command in build.command.commands() {
            println!("crm: building {id}: {command}");
            let status = Command::new("sh")
                .arg("-c")
                .arg(command)
                .current_dir(&workdir)
                .status()
                .with_context(|| format!("cannot run the build command of `{id}`"))?;
            if !status.success() {
                bail!(
                    "the build command of `{id}` failed ({status}): {command}\n  in {}",
                    workdir.display()
                );
            }
        }
    }
    Ok(())
}

/// Whether any component's source or dependency is missing, i.e. whether `up` must build.
pub fn needs_build(app: &App) -> bool {
    app.manifest.component.values().any(|c| {
        !app.resolve(&c.source).exists()
            || c.dependencies
                .values()
                .any(|d| !app.resolve(&d.path).exists())
    })
}

/// On a fresh machine the `wasm32-wasip2` target may be missing; add it with rustup when a
/// build command needs it.
fn ensure_wasm_target(app: &App) -> Result<()> {
    let needs_target = app
        .manifest
        .component
        .values()
        .filter_map(|c| c.build.as_ref())
        .any(|b| {
            b.command
                .commands()
                .iter()
                .any(|c| c.contains("wasm32-wasip2"))
        });
    if !needs_target {
        return Ok(());
    }
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(&app.dir)
        .output();
    match installed {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == "wasm32-wasip2") =>
        {
            Ok(())
        }
        Ok(_) => {
            println!("crm: installing the wasm32-wasip2 target with rustup");
            let status = Command::new("rustup")
                .args(["target", "add", "wasm32-wasip2"])
                .current_dir(&app.dir)
                .status()
                .context("cannot run rustup")?;
            if !status.success() {
                bail!("`rustup target add wasm32-wasip2` failed");
            }
            Ok(())
        }
        // Without rustup the toolchain is managed some other way; let cargo report what is missing.
        Err(_) => Ok(()),
    }
}
