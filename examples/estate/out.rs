//! Streaming writers: pretty-printed JSON written as it is generated (nothing of a file is
//! held in memory), and output files created under the estate's folder.

use std::fmt::Display;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::text::J;

/// A buffered output file, its folders created.
pub fn create(dir: &Path, rel: &Path) -> io::Result<BufWriter<File>> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    Ok(BufWriter::with_capacity(1 << 20, File::create(path)?))
}

/// Pretty-printed JSON as the CLIs print it (`indent` spaces a level; empty containers as
/// `[]` and `{}`), written straight to the file.
pub struct JsonOut<W: Write> {
    w: W,
    indent: usize,
    /// Open containers: whether each has an item yet.
    levels: Vec<bool>,
    /// A key was just written: the next value follows it on the same line.
    after_key: bool,
}

const SPACES: &[u8; 64] = b"                                                                ";

impl<W: Write> JsonOut<W> {
    /// A writer with `indent` spaces per level.
    pub fn new(w: W, indent: usize) -> Self {
        JsonOut {
            w,
            indent,
            levels: Vec::new(),
            after_key: false,
        }
    }

    fn newline(&mut self, depth: usize) -> io::Result<()> {
        self.w.write_all(b"\n")?;
        let mut n = depth * self.indent;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.w.write_all(&SPACES[..k])?;
            n -= k;
        }
        Ok(())
    }

    /// Place the next value: after its key, or as the next item of the open container.
    fn place(&mut self) -> io::Result<()> {
        if self.after_key {
            self.after_key = false;
            return Ok(());
        }
        let depth = self.levels.len();
        if let Some(has) = self.levels.last_mut() {
            let had = std::mem::replace(has, true);
            if had {
                self.w.write_all(b",")?;
            }
            self.newline(depth)?;
        }
        Ok(())
    }

    /// Write an object key; its value comes next.
    pub fn key(&mut self, k: &str) -> io::Result<&mut Self> {
        self.place()?;
        write!(self.w, "{}: ", J(k))?;
        self.after_key = true;
        Ok(self)
    }

    /// A string value.
    pub fn str(&mut self, v: &str) -> io::Result<&mut Self> {
        self.place()?;
        write!(self.w, "{}", J(v))?;
        Ok(self)
    }

    /// A value written as it is: a number, `true`, or a JSON text made elsewhere.
    pub fn raw(&mut self, v: impl Display) -> io::Result<&mut Self> {
        self.place()?;
        write!(self.w, "{v}")?;
        Ok(self)
    }

    /// A string value formatted from parts (a timestamp, an ARN), escaped as JSON.
    pub fn fmt(&mut self, v: impl Display) -> io::Result<&mut Self> {
        let s = v.to_string();
        self.str(&s)
    }

    /// `"key": "value"`.
    pub fn field(&mut self, k: &str, v: &str) -> io::Result<&mut Self> {
        self.key(k)?.str(v)
    }

    /// `"key": value` with the value written as it is.
    pub fn field_raw(&mut self, k: &str, v: impl Display) -> io::Result<&mut Self> {
        self.key(k)?.raw(v)
    }

    /// Open an object.
    pub fn obj(&mut self) -> io::Result<&mut Self> {
        self.place()?;
        self.w.write_all(b"{")?;
        self.levels.push(false);
        Ok(self)
    }

    /// Open a list.
    pub fn arr(&mut self) -> io::Result<&mut Self> {
        self.place()?;
        self.w.write_all(b"[")?;
        self.levels.push(false);
        Ok(self)
    }

    /// Close the innermost object.
    pub fn end_obj(&mut self) -> io::Result<&mut Self> {
        self.close(b"}")
    }

    /// Close the innermost list.
    pub fn end_arr(&mut self) -> io::Result<&mut Self> {
        self.close(b"]")
    }

    fn close(&mut self, bracket: &[u8]) -> io::Result<&mut Self> {
        if self.levels.pop() == Some(true) {
            self.newline(self.levels.len())?;
        }
        self.w.write_all(bracket)?;
        Ok(self)
    }

    /// The underlying writer, for a final newline and flush.
    pub fn finish(mut self) -> io::Result<W> {
        self.w.write_all(b"\n")?;
        self.w.flush()?;
        Ok(self.w)
    }
}

#[cfg(test)]
mod tests {
    use super::JsonOut;

    #[test]
    fn pretty_prints_like_the_clis() -> std::io::Result<()> {
        let mut j = JsonOut::new(Vec::new(), 2);
        j.obj()?.key("a")?.arr()?;
        j.obj()?.field("b", "x\"y")?.field_raw("n", 3)?.end_obj()?;
        j.end_arr()?.key("e")?.arr()?.end_arr()?.end_obj()?;
        let text = String::from_utf8(j.finish()?).unwrap_or_default();
        assert_eq!(
            text,
            "{\n  \"a\": [\n    {\n      \"b\": \"x\\\"y\",\n      \"n\": 3\n    }\n  ],\n  \"e\": []\n}\n"
        );
        let parsed: serde_json::Value =
            serde_json::from_str(&text).map_err(std::io::Error::other)?;
        assert_eq!(parsed["a"][0]["n"], 3);
        Ok(())
    }
}
