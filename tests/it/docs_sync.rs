//! The README's library snippet and the code of `docs/your-server.md` are
//! the example crate's code (`examples/your-server/`), which `make test`
//! compiles and runs: every ```rust block must appear, line for line, in
//! one of its files, and no block may carry rustdoc's hidden `# ` lines.

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The ```rust blocks of a Markdown file.
fn rust_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start().starts_with("```rust") => current = Some(Vec::new()),
            Some(lines) if line.trim_start().starts_with("```") => {
                blocks.push(lines.join("\n"));
                current = None;
            }
            Some(lines) => lines.push(line),
            None => {}
        }
    }
    blocks
}

fn example_sources() -> String {
    let dir = Path::new(ROOT).join("examples/your-server");
    [
        "src/lib.rs",
        "tests/contract.rs",
        "tests/exchanges.rs",
        "tests/support/mod.rs",
    ]
    .iter()
    .map(|file| std::fs::read_to_string(dir.join(file)).unwrap())
    .collect::<Vec<_>>()
    .join("\n")
}

fn check(doc: &str) {
    let text = std::fs::read_to_string(Path::new(ROOT).join(doc)).unwrap();
    let sources = example_sources();
    let blocks = rust_blocks(&text);
    assert!(!blocks.is_empty(), "{doc} has no rust block");
    for block in blocks {
        assert!(
            !block.lines().any(|l| l.starts_with("# ") || l == "#"),
            "{doc}: a block shows rustdoc's hidden lines:\n{block}"
        );
        assert!(
            sources.contains(&block),
            "{doc}: this block is not in examples/your-server (copy it from there again):\n{block}"
        );
    }
}

#[test]
fn the_readme_library_snippet_is_the_example() {
    check("README.md");
}

#[test]
fn your_server_md_is_the_example() {
    check("docs/your-server.md");
}
