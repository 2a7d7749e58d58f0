//! ConnectWise `conditions` (connectwise-api.md §3.1): `field op value` joined by `and`/`or`,
//! with parentheses; strings in double or single quotes, ints bare, booleans True/False,
//! datetimes in brackets; `/` walks into references (`securityRole/name`).

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    List(Vec<Lit>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Cmp(String, String, LitBox),
}

#[derive(Debug, Clone, PartialEq)]
pub struct LitBox(Lit);

/// The server's hint for malformed conditions (quoted in connectwise-api.md §3.1).
pub const SYNTAX_HINT: &str = "String values should be enclosed with double or single quotes; DateTime values should be enclosed in square brackets; numbers should consist of only digits, and optionally a decimal point and a negation sign; boolean values should be indicated with the keywords true or false; null values should be indicated by the keyword null.";

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn keyword(&mut self, kw: &str) -> bool {
        self.ws();
        let end = self.i + kw.len();
        if end <= self.s.len()
            && self.s[self.i..end].eq_ignore_ascii_case(kw.as_bytes())
            && (end == self.s.len() || !is_ident(self.s[end]))
        {
            self.i = end;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Cond::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut left = self.primary()?;
        while self.keyword("and") {
            left = Cond::And(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Cond, String> {
        self.ws();
        if self.s.get(self.i) == Some(&b'(') {
            self.i += 1;
            let c = self.or()?;
            self.ws();
            if self.s.get(self.i) != Some(&b')') {
                return Err("Expected a closing parenthesis.".into());
            }
            self.i += 1;
            return Ok(c);
        }
        if self.keyword("not") {
            return Ok(Cond::Not(Box::new(self.primary()?)));
        }
        let start = self.i;
        while self.i < self.s.len() && (is_ident(self.s[self.i]) || self.s[self.i] == b'/') {
            self.i += 1;
        }
        if start == self.i {
            return Err(format!("Expected a field name at position {start}."));
        }
        let field = String::from_utf8_lossy(&self.s[start..self.i]).to_string();
        let op = self.op()?;
        let value = self.literal()?;
        Ok(Cond::Cmp(field, op, LitBox(value)))
    }

    fn op(&mut self) -> Result<String, String> {
        self.ws();
        for sym in ["!=", "<=", ">=", "=", "<", ">"] {
            if self.s[self.i..].starts_with(sym.as_bytes()) {
                self.i += sym.len();
                return Ok(sym.to_string());
            }
        }
        for kw in ["contains", "like", "in"] {
            if self.keyword(kw) {
                return Ok(kw.to_string());
            }
        }
        Err(format!("Expected an operator at position {}.", self.i))
    }

    fn literal(&mut self) -> Result<Lit, String> {
        self.ws();
        let Some(&c) = self.s.get(self.i) else {
            return Err("Expected a value.".into());
        };
        match c {
            b'"' | b'\'' => {
                self.i += 1;
                let start = self.i;
                while self.i < self.s.len() && self.s[self.i] != c {
                    self.i += 1;
                }
                if self.i >= self.s.len() {
                    return Err("Unterminated string value.".into());
                }
                let v = String::from_utf8_lossy(&self.s[start..self.i]).to_string();
                self.i += 1;
                Ok(Lit::Str(v))
            }
            b'[' => {
                let start = self.i + 1;
                while self.i < self.s.len() && self.s[self.i] != b']' {
                    self.i += 1;
                }
                let v =
                    String::from_utf8_lossy(&self.s[start..self.i.min(self.s.len())]).to_string();
                self.i += 1;
                Ok(Lit::Str(v))
            }
            b'(' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    items.push(self.literal()?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b')') => {
                            self.i += 1;
                            break;
                        }
                        _ => return Err("Expected ',' or ')' in a list.".into()),
                    }
                }
                Ok(Lit::List(items))
            }
            _ => {
                if self.keyword("true") {
                    return Ok(Lit::Bool(true));
                }
                if self.keyword("false") {
                    return Ok(Lit::Bool(false));
                }
                if self.keyword("null") {
                    return Ok(Lit::Null);
                }
                let start = self.i;
                while self.i < self.s.len()
                    && (self.s[self.i].is_ascii_digit() || matches!(self.s[self.i], b'.' | b'-'))
                {
                    self.i += 1;
                }
                String::from_utf8_lossy(&self.s[start..self.i])
                    .parse()
                    .map(Lit::Num)
                    .map_err(|_| format!("Unexpected value at position {start}."))
            }
        }
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Parses a conditions string.
pub fn parse(s: &str) -> Result<Cond, String> {
    let mut p = Parser {
        s: s.as_bytes(),
        i: 0,
    };
    let c = p.or()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("Unexpected text at position {}.", p.i));
    }
    Ok(c)
}

fn lookup<'a>(item: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = item;
    for part in path.split('/') {
        cur = cur
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(part))
            .map(|(_, v)| v)?;
    }
    Some(cur)
}

fn eq(a: &Value, b: &Lit) -> bool {
    match (a, b) {
        (Value::Null, Lit::Null) => true,
        (Value::String(x), Lit::Str(y)) => x.eq_ignore_ascii_case(y),
        (Value::Number(x), Lit::Num(y)) => x.as_f64() == Some(*y),
        (Value::Bool(x), Lit::Bool(y)) => x == y,
        _ => false,
    }
}

fn order(a: &Value, b: &Lit) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Lit::Num(y)) => x.as_f64()?.partial_cmp(y),
        (Value::String(x), Lit::Str(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        _ => None,
    }
}

/// SQL-style `like` with `%` as the wildcard, case-insensitive.
fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let (mut ti, mut pi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '%' && p[pi] == t[ti] {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

impl Cond {
    pub fn matches(&self, item: &Value) -> bool {
        match self {
            Cond::And(a, b) => a.matches(item) && b.matches(item),
            Cond::Or(a, b) => a.matches(item) || b.matches(item),
            Cond::Not(c) => !c.matches(item),
            Cond::Cmp(field, op, LitBox(lit)) => {
                let actual = lookup(item, field).unwrap_or(&Value::Null);
                match op.as_str() {
                    "=" => eq(actual, lit),
                    "!=" => !eq(actual, lit),
                    "<" => order(actual, lit) == Some(std::cmp::Ordering::Less),
                    ">" => order(actual, lit) == Some(std::cmp::Ordering::Greater),
                    "<=" => matches!(
                        order(actual, lit),
                        Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                    ),
                    ">=" => matches!(
                        order(actual, lit),
                        Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
                    ),
                    "contains" => match (actual, lit) {
                        (Value::String(s), Lit::Str(l)) => {
                            s.to_lowercase().contains(&l.to_lowercase())
                        }
                        _ => false,
                    },
                    "like" => match (actual, lit) {
                        (Value::String(s), Lit::Str(l)) => like(s, l),
                        _ => false,
                    },
                    "in" => match lit {
                        Lit::List(items) => items.iter().any(|l| eq(actual, l)),
                        other => eq(actual, other),
                    },
                    _ => false,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_evaluates_references_and_booleans() {
        let m = json!({"identifier":"TopLeft","securityRole":{"id":5,"name":"TopLeft"},"inactiveFlag":false});
        assert!(parse("identifier=\"topleft\"").unwrap().matches(&m));
        assert!(
            parse("securityRole/name='TopLeft' and inactiveFlag=False")
                .unwrap()
                .matches(&m)
        );
        assert!(
            parse("(securityRole/id=4 or securityRole/id = 5) and identifier like \"Top%\"")
                .unwrap()
                .matches(&m)
        );
        assert!(!parse("securityRole/id in (1,2)").unwrap().matches(&m));
        assert!(parse("identifier=").is_err());
        assert!(parse("identifier=TopLeft").is_err());
    }
}
