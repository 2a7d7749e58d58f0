//! The detector on planted examples: each must fail the way a real break would.

use super::{Source, analyze, oversized};

fn src(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(p, t)| Source {
            path: p.to_string(),
            text: t.to_string(),
        })
        .collect()
}

#[test]
fn a_planted_circle_is_found_with_the_file_and_line_of_each_edge() {
    let sources = src(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        ("src/a.rs", "use crate::{b::Thing, c};\n"),
        (
            "src/b.rs",
            "// crate::a in a comment is no edge\nfn f() {\n    crate::a::g();\n}\n",
        ),
        ("src/c.rs", "const S: &str = \"crate::a\";\n"),
    ]);
    let analysis = analyze(&sources);
    assert_eq!(analysis.problems.len(), 1, "{:?}", analysis.problems);
    let p = &analysis.problems[0];
    assert!(
        p.starts_with("import circle in top level (src/): a ↔ b"),
        "{p}"
    );
    assert!(p.contains("a → b  at src/a.rs:1"), "{p}");
    assert!(p.contains("b → a  at src/b.rs:3"), "{p}");
    // Neither the comment nor the string made an edge from c.
    assert!(analysis.graphs[0].1["c"].is_empty(), "{p}");
}

#[test]
fn circles_inside_a_directory_are_found_through_super_groups_and_reexports() {
    let sources = src(&[
        (
            "src/sandbox/mod.rs",
            "mod http;\nmod vendor;\nmod faults;\npub use faults::*;\n",
        ),
        ("src/sandbox/faults.rs", "pub struct Faults;\n"),
        ("src/sandbox/http.rs", "use super::{Shared, vendor};\n"),
        (
            "src/sandbox/vendor.rs",
            "use super::super::sandbox::http::Req;\nuse super::Faults;\n",
        ),
    ]);
    let analysis = analyze(&sources);
    assert_eq!(analysis.problems.len(), 1, "{:?}", analysis.problems);
    assert!(
        analysis.problems[0].contains("import circle in src/sandbox: http ↔ vendor"),
        "{:?}",
        analysis.problems
    );
    let sandbox = &analysis.graphs[1].1;
    // `super::Faults` is the re-export of `faults`: an edge to faults, not to the parent.
    assert!(sandbox["vendor"].contains_key("faults"), "{sandbox:?}");
}

#[test]
fn test_code_is_left_out_and_domain_modules_may_not_import_the_command_layer() {
    let sources = src(&[
        ("src/cli.rs", "use crate::session::S;\n"),
        (
            "src/commands/mod.rs",
            "use crate::cli::Cli;\nuse crate::verify::X;\n",
        ),
        (
            "src/verify/mod.rs",
            "pub struct X;\n#[cfg(test)]\nmod tests {\n    use crate::commands::run;\n}\n#[cfg(test)]\nuse crate::session::S;\nfn c() -> char { '{' }\nuse crate::cli::Cli;\n",
        ),
        ("src/verify/tests.rs", "use crate::tui::T;\n"),
        ("src/session/mod.rs", "pub struct S;\n"),
        ("src/tui/mod.rs", "pub struct T;\n"),
    ]);
    let analysis = analyze(&sources);
    assert_eq!(
        analysis.problems,
        vec!["verify must not import cli: src/verify/mod.rs:9".to_string()]
    );
}

#[test]
fn a_file_over_its_limit_is_named_with_its_length() {
    let long = "x\n".repeat(801);
    let app = "x\n".repeat(600);
    let sources = src(&[
        ("src/a.rs", &long),
        ("src/b.rs", "x\n"),
        ("src/tui/app.rs", &app),
    ]);
    assert_eq!(oversized(&sources), ["src/a.rs: 801 lines (limit 800)"]);
    let sources = src(&[("src/tui/app.rs", &"x\n".repeat(601))]);
    assert_eq!(
        oversized(&sources),
        ["src/tui/app.rs: 601 lines (limit 600)"]
    );
}
