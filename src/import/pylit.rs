//! Python literals, as PDNC's CSV cells hold them (`{'Emma', 'Miss Woodhouse'}`,
//! `[[6317, 6418]]`, `set()`): strings, integers, lists, tuples and sets, nested. Only
//! what `repr` writes for those types is read; anything else is an error that says
//! where in the cell it sits.

/// A parsed literal. Sets keep the order they were written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyValue {
    Str(String),
    Int(i64),
    List(Vec<PyValue>),
    None,
}

/// Where a literal went wrong: a 0-based character position within the cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyError {
    pub position: usize,
    pub message: String,
}

pub fn parse(text: &str) -> Result<PyValue, PyError> {
    let chars: Vec<char> = text.chars().collect();
    let mut parser = Parser { chars, at: 0 };
    parser.skip_space();
    let value = parser.value(0)?;
    parser.skip_space();
    if parser.at < parser.chars.len() {
        return Err(parser.error("unexpected text after the literal"));
    }
    Ok(value)
}

/// Deeper nesting than any PDNC cell, and a bound so a hostile cell cannot overflow
/// the stack.
const MAX_DEPTH: usize = 32;

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn error(&self, message: &str) -> PyError {
        PyError {
            position: self.at,
            message: message.to_string(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<PyValue, PyError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        match self.peek() {
            Some('\'' | '"') => self.string().map(PyValue::Str),
            Some('[') => self.items(']', depth),
            Some('(') => self.items(')', depth),
            Some('{') => self.items('}', depth),
            Some(c) if c == '-' || c.is_ascii_digit() => self.int(),
            Some(_) if self.word("set()") => Ok(PyValue::List(Vec::new())),
            Some(_) if self.word("None") => Ok(PyValue::None),
            Some(_) => Err(self.error("expected a string, a number, a list, a tuple or a set")),
            None => Err(self.error("the literal ends too early")),
        }
    }

    fn word(&mut self, word: &str) -> bool {
        let n = word.chars().count();
        let matches = self.chars.len() >= self.at + n
            && self.chars[self.at..self.at + n]
                .iter()
                .copied()
                .eq(word.chars());
        if matches {
            self.at += n;
        }
        matches
    }

    fn items(&mut self, close: char, depth: usize) -> Result<PyValue, PyError> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok(PyValue::List(items));
            }
            items.push(self.value(depth + 1)?);
            self.skip_space();
            match self.peek() {
                Some(',') => self.at += 1,
                Some(c) if c == close => {}
                Some(_) => return Err(self.error(&format!("expected `,` or `{close}`"))),
                None => return Err(self.error(&format!("`{close}` is missing"))),
            }
        }
    }

    fn int(&mut self) -> Result<PyValue, PyError> {
        let start = self.at;
        if self.peek() == Some('-') {
            self.at += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let digits: String = self.chars[start..self.at].iter().collect();
        digits.parse().map(PyValue::Int).map_err(|_| PyError {
            position: start,
            message: format!("`{digits}` is not an integer"),
        })
    }

    fn string(&mut self) -> Result<String, PyError> {
        let start = self.at;
        let quote = self.chars[self.at];
        self.at += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(PyError {
                    position: start,
                    message: "a string is not closed".into(),
                });
            };
            self.at += 1;
            if c == quote {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(escaped) = self.peek() else {
                return Err(self.error("a string ends in a backslash"));
            };
            self.at += 1;
            match escaped {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                '\\' | '\'' | '"' => out.push(escaped),
                'x' => out.push(self.hex(2)?),
                'u' => out.push(self.hex(4)?),
                'U' => out.push(self.hex(8)?),
                '\n' => {}
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn hex(&mut self, digits: usize) -> Result<char, PyError> {
        let end = self.at + digits;
        let text: String = self.chars.get(self.at..end).unwrap_or(&[]).iter().collect();
        let code = u32::from_str_radix(&text, 16)
            .ok()
            .filter(|_| text.len() == digits)
            .and_then(char::from_u32)
            .ok_or_else(|| self.error(&format!("`\\{text}` is not a character escape")))?;
        self.at = end;
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(items: &[&str]) -> PyValue {
        PyValue::List(items.iter().map(|s| PyValue::Str(s.to_string())).collect())
    }

    #[test]
    fn sets_lists_and_tuples_of_strings_and_pairs() {
        assert_eq!(
            parse("{'Emma', 'Miss Woodhouse'}").unwrap(),
            strs(&["Emma", "Miss Woodhouse"])
        );
        assert_eq!(parse("['a', \"b's\"]").unwrap(), strs(&["a", "b's"]));
        assert_eq!(parse("set()").unwrap(), PyValue::List(Vec::new()));
        assert_eq!(
            parse("[[6317, 6418], (1, -2)]").unwrap(),
            PyValue::List(vec![
                PyValue::List(vec![PyValue::Int(6317), PyValue::Int(6418)]),
                PyValue::List(vec![PyValue::Int(1), PyValue::Int(-2)]),
            ])
        );
        assert_eq!(
            parse(r"['it\'s', 'a\nb', '\xe9\u00e9']").unwrap(),
            strs(&["it's", "a\nb", "éé"])
        );
    }

    #[test]
    fn errors_say_where() {
        let error = parse("{'Emma', 'Miss Woodhouse'").unwrap_err();
        assert!(error.message.contains("`}` is missing"), "{error:?}");
        assert_eq!(error.position, 25);
        assert_eq!(parse("[1, 2] x").unwrap_err().position, 7);
        assert_eq!(
            parse("['open").unwrap_err().message,
            "a string is not closed"
        );
        assert!(parse("[nan]").is_err());
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(parse(&deep).is_err());
    }
}
