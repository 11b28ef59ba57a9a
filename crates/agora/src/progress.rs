//! Progress bars for long commands (hidden when standard error is not a terminal).

use agora_indexer::Progress;
use indicatif::{ProgressBar, ProgressStyle};

pub struct Bar(ProgressBar);

impl Bar {
    pub fn new() -> Self {
        let bar = ProgressBar::new(0);
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Self(bar)
    }
}

impl Progress for Bar {
    fn start(&self, what: &str, total: u64) {
        self.0.set_message(what.to_owned());
        self.0.set_length(total);
        self.0.set_position(0);
    }

    fn advance(&self, done: u64) {
        self.0.inc(done);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
