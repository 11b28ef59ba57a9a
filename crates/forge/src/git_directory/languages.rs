//! Which language a file is written in, by its name alone — the small part of GitHub Linguist's
//! table a plain git folder needs to report a language bar. Names are Linguist's (`C++`, `C#`,
//! `HCL`, `Shell`), so a repository reads the same whether it came from GitHub or from disk.
//! Prose and data (Markdown, JSON, YAML) are left out, as GitHub leaves them out of the bar.

/// Folders whose contents are not the repository's own code (dependencies, build output).
pub(crate) const SKIPPED_FOLDERS: &[&str] = &[
    "node_modules",
    "vendor",
    "vendored",
    "third_party",
    "third-party",
    "target",
    "dist",
    "bower_components",
    "__pycache__",
];

/// Extension (lower case, without the dot) → language.
const EXTENSIONS: &[(&str, &str)] = &[
    ("abap", "ABAP"),
    ("bash", "Shell"),
    ("c", "C"),
    ("cc", "C++"),
    ("cjs", "JavaScript"),
    ("clj", "Clojure"),
    ("cljs", "Clojure"),
    ("cpp", "C++"),
    ("cs", "C#"),
    ("css", "CSS"),
    ("cts", "TypeScript"),
    ("cxx", "C++"),
    ("dart", "Dart"),
    ("erl", "Erlang"),
    ("ex", "Elixir"),
    ("exs", "Elixir"),
    ("fs", "F#"),
    ("go", "Go"),
    ("gradle", "Groovy"),
    ("groovy", "Groovy"),
    ("h", "C"),
    ("hcl", "HCL"),
    ("hh", "C++"),
    ("hpp", "C++"),
    ("hs", "Haskell"),
    ("htm", "HTML"),
    ("html", "HTML"),
    ("hxx", "C++"),
    ("java", "Java"),
    ("js", "JavaScript"),
    ("jsx", "JavaScript"),
    ("kt", "Kotlin"),
    ("kts", "Kotlin"),
    ("less", "Less"),
    ("lua", "Lua"),
    ("m", "Objective-C"),
    ("mjs", "JavaScript"),
    ("mm", "Objective-C++"),
    ("mts", "TypeScript"),
    ("nix", "Nix"),
    ("php", "PHP"),
    ("pl", "Perl"),
    ("pm", "Perl"),
    ("ps1", "PowerShell"),
    ("py", "Python"),
    ("pyi", "Python"),
    ("r", "R"),
    ("rb", "Ruby"),
    ("rs", "Rust"),
    ("sass", "Sass"),
    ("scala", "Scala"),
    ("scss", "SCSS"),
    ("sh", "Shell"),
    ("sql", "SQL"),
    ("svelte", "Svelte"),
    ("swift", "Swift"),
    ("tf", "HCL"),
    ("ts", "TypeScript"),
    ("tsx", "TypeScript"),
    ("vue", "Vue"),
    ("zig", "Zig"),
    ("zsh", "Shell"),
];

/// Files recognised by their whole name, whatever their extension.
const FILE_NAMES: &[(&str, &str)] = &[
    ("Dockerfile", "Dockerfile"),
    ("Makefile", "Makefile"),
    ("GNUmakefile", "Makefile"),
    ("Rakefile", "Ruby"),
    ("Gemfile", "Ruby"),
];

/// The language of a file called `file_name`, if the table knows it.
pub(crate) fn language_of(file_name: &str) -> Option<&'static str> {
    if let Some((_, language)) = FILE_NAMES.iter().find(|(name, _)| *name == file_name) {
        return Some(language);
    }
    let (stem, extension) = file_name.rsplit_once('.')?;
    // `.rs` alone is a hidden file named "rs", not a Rust file.
    if stem.is_empty() {
        return None;
    }
    let extension = extension.to_ascii_lowercase();
    EXTENSIONS
        .binary_search_by(|(known, _)| known.cmp(&extension.as_str()))
        .ok()
        .map(|i| EXTENSIONS[i].1)
}

/// Whether the walk should leave out a folder called `name`.
pub(crate) fn is_skipped_folder(name: &str) -> bool {
    name.starts_with('.') || SKIPPED_FOLDERS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_table_is_sorted_for_binary_search() {
        assert!(EXTENSIONS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn languages_come_from_extensions_and_known_file_names() {
        assert_eq!(language_of("main.rs"), Some("Rust"));
        assert_eq!(language_of("App.TSX"), Some("TypeScript"));
        assert_eq!(language_of("lib.hpp"), Some("C++"));
        assert_eq!(language_of("main.tf"), Some("HCL"));
        assert_eq!(language_of("Dockerfile"), Some("Dockerfile"));
        assert_eq!(language_of("README.md"), None);
        assert_eq!(language_of(".rs"), None);
        assert_eq!(language_of("LICENSE"), None);
    }

    #[test]
    fn dependency_build_and_hidden_folders_are_skipped() {
        assert!(is_skipped_folder("node_modules"));
        assert!(is_skipped_folder("target"));
        assert!(is_skipped_folder(".github"));
        assert!(!is_skipped_folder("src"));
    }
}
