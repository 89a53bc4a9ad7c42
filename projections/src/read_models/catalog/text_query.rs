//! Postgres full-text search evaluated in memory, for the search index ([`super::index`]).
//!
//! Both sides come from Postgres itself, so the index matches exactly what `search @@ query`
//! matches: a product's document is its stored `search` tsvector (read as text), and a query is
//! the text of `websearch_to_tsquery('english', q)`. Stemming, stop words and tokenising are
//! therefore Postgres's; this module only parses the two text forms and evaluates the operators
//! `&`, `|`, `!` and phrases (`<->`, `<N>`) made of words, which is everything
//! `websearch_to_tsquery` produces. Anything else (a prefix or weight flag, an operator inside a
//! phrase) is [`Unsupported`] and the caller asks Postgres instead.

use std::fmt;

/// A lexeme's positions, each packed as Postgres packs a `WordEntryPos`: the position in the
/// low 14 bits, the weight (D = 0 … A = 3) in the top two.
pub(crate) type Positions = Vec<u16>;

/// A product's text document: lexemes in byte order (binary-searchable), with positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Document {
    pub(crate) lexemes: Vec<(Box<str>, Positions)>,
}

/// The query is of a form the in-memory evaluation does not cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text query not supported in memory")
    }
}

/// A parsed `tsquery`. `Empty` is what a query of stop words only parses to: it matches nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextQuery {
    /// No lexeme at all (`search @@ ''` is false).
    Empty,
    /// A query tree.
    Node(Node),
}

/// One operator or operand of a [`TextQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A lexeme.
    Word(Box<str>),
    /// `!a`.
    Not(Box<Node>),
    /// `a & b`.
    And(Box<Node>, Box<Node>),
    /// `a | b`.
    Or(Box<Node>, Box<Node>),
    /// `a <N> b`: `b` starts exactly `N` positions after `a` ends (words and phrases only).
    Phrase(Box<Node>, u16, Box<Node>),
}

/// The default weights of `ts_rank_cd`, by weight D, C, B, A.
const RANK_WEIGHTS: [f64; 4] = [0.1, 0.2, 0.4, 1.0];

impl Document {
    /// Parses the text output of a `tsvector` (`'cup':2A,7C 'white':3`).
    pub(crate) fn parse(text: &str) -> Result<Self, Unsupported> {
        let mut chars = text.chars().peekable();
        let mut lexemes = Vec::new();
        loop {
            while chars.next_if(|c| *c == ' ').is_some() {}
            if chars.peek().is_none() {
                break;
            }
            let lexeme = quoted(&mut chars)?;
            let mut positions = Vec::new();
            if chars.next_if_eq(&':').is_some() {
                loop {
                    let mut number: u16 = 0;
                    while let Some(digit) = chars.next_if(char::is_ascii_digit) {
                        let value = u16::try_from(digit.to_digit(10).ok_or(Unsupported)?)
                            .map_err(|_| Unsupported)?;
                        number = number.saturating_mul(10).saturating_add(value);
                    }
                    let weight = match chars.next_if(|c| matches!(c, 'A' | 'B' | 'C' | 'D')) {
                        Some('A') => 3,
                        Some('B') => 2,
                        Some('C') => 1,
                        _ => 0,
                    };
                    positions.push((weight << 14) | (number & 0x3fff));
                    if chars.next_if_eq(&',').is_none() {
                        break;
                    }
                }
            }
            lexemes.push((lexeme.into_boxed_str(), positions));
        }
        lexemes.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self { lexemes })
    }

    fn positions(&self, word: &str) -> Option<&Positions> {
        self.lexemes
            .binary_search_by(|(lexeme, _)| lexeme.as_ref().cmp(word))
            .ok()
            .map(|at| &self.lexemes[at].1)
    }
}

/// A single-quoted lexeme: `''` is a quote, a backslash escapes the next character.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, Unsupported> {
    if chars.next() != Some('\'') {
        return Err(Unsupported);
    }
    let mut out = String::new();
    loop {
        match chars.next().ok_or(Unsupported)? {
            '\'' if chars.next_if_eq(&'\'').is_some() => out.push('\''),
            '\'' => return Ok(out),
            '\\' => out.push(chars.next().ok_or(Unsupported)?),
            c => out.push(c),
        }
    }
}

impl TextQuery {
    /// Parses the text output of a `tsquery` (operators by precedence: `!`, phrase, `&`, `|`).
    pub fn parse(text: &str) -> Result<Self, Unsupported> {
        let mut parser = Parser {
            chars: text.chars().peekable(),
        };
        if parser.at_end() {
            return Ok(Self::Empty);
        }
        let node = parser.or()?;
        if !parser.at_end() {
            return Err(Unsupported);
        }
        Ok(Self::Node(node))
    }

    /// True when `document` matches (Postgres's `document @@ query`).
    pub(crate) fn matches(&self, document: &Document) -> bool {
        match self {
            Self::Empty => false,
            Self::Node(node) => node.matches(document),
        }
    }

    /// The query's one word, when it is nothing else: the products holding it are exactly
    /// its matches.
    pub(crate) fn single_word(&self) -> Option<&str> {
        match self {
            Self::Node(Node::Word(word)) => Some(word),
            _ => None,
        }
    }

    /// Words every match contains: a match is among the products holding any one of them.
    pub(crate) fn required_words(&self) -> Vec<&str> {
        let mut words = Vec::new();
        if let Self::Node(node) = self {
            node.required(&mut words);
        }
        words
    }

    /// The words a match is ranked by: every word not under a `!`, each once.
    pub(crate) fn ranked_words(&self) -> Vec<&str> {
        let mut words = Vec::new();
        if let Self::Node(node) = self {
            node.positive(&mut words);
        }
        words.sort_unstable();
        words.dedup();
        words
    }

    /// Relevance, given [`Self::ranked_words`]: `ts_rank_cd`'s figure for one-word queries
    /// (the sum of the weights of the word's occurrences); for longer queries the sum over
    /// every ranked word, which ranks by the same signals without Postgres's cover arithmetic.
    pub(crate) fn rank(words: &[&str], document: &Document) -> f32 {
        weight(
            words
                .iter()
                .filter_map(|word| document.positions(word))
                .flatten(),
        )
    }
}

/// The rank of a document's `occurrences` of ranked words: the sum of their weights.
pub(crate) fn weight<'a>(occurrences: impl IntoIterator<Item = &'a u16>) -> f32 {
    let sum: f64 = occurrences
        .into_iter()
        .map(|packed| RANK_WEIGHTS[usize::from(packed >> 14)])
        .sum();
    // `ts_rank_cd` answers a `real`: ties are ties at that precision.
    sum as f32
}

impl Node {
    fn matches(&self, document: &Document) -> bool {
        match self {
            Self::Word(word) => document.positions(word).is_some(),
            Self::Not(node) => !node.matches(document),
            Self::And(a, b) => a.matches(document) && b.matches(document),
            Self::Or(a, b) => a.matches(document) || b.matches(document),
            Self::Phrase(..) => !self.spans(document).is_empty(),
        }
    }

    /// Where a phrase (or word) occurs: (first, last) positions, without weights.
    fn spans(&self, document: &Document) -> Vec<(u16, u16)> {
        match self {
            Self::Word(word) => document
                .positions(word)
                .map(|positions| {
                    positions
                        .iter()
                        .map(|packed| (packed & 0x3fff, packed & 0x3fff))
                        .collect()
                })
                .unwrap_or_default(),
            Self::Phrase(left, distance, right) => {
                let lefts = left.spans(document);
                if lefts.is_empty() {
                    return Vec::new();
                }
                let mut spans: Vec<(u16, u16)> = right
                    .spans(document)
                    .into_iter()
                    .filter_map(|(start, end)| {
                        let left_end = start.checked_sub(*distance)?;
                        lefts
                            .iter()
                            .find(|(_, end)| *end == left_end)
                            .map(|(left_start, _)| (*left_start, end))
                    })
                    .collect();
                spans.sort_unstable();
                spans.dedup();
                spans
            }
            // The parser admits only words and phrases inside a phrase.
            Self::Not(_) | Self::And(..) | Self::Or(..) => Vec::new(),
        }
    }

    fn required<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Self::Word(word) => out.push(word),
            Self::And(a, b) | Self::Phrase(a, _, b) => {
                a.required(out);
                b.required(out);
            }
            Self::Not(_) | Self::Or(..) => {}
        }
    }

    fn positive<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Self::Word(word) => out.push(word),
            Self::And(a, b) | Self::Or(a, b) | Self::Phrase(a, _, b) => {
                a.positive(out);
                b.positive(out);
            }
            Self::Not(_) => {}
        }
    }

    fn is_phrase_operand(&self) -> bool {
        matches!(self, Self::Word(_) | Self::Phrase(..))
    }
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Parser<'_> {
    fn skip_spaces(&mut self) {
        while self.chars.next_if(|c| *c == ' ').is_some() {}
    }

    fn at_end(&mut self) -> bool {
        self.skip_spaces();
        self.chars.peek().is_none()
    }

    fn eat(&mut self, wanted: char) -> bool {
        self.skip_spaces();
        self.chars.next_if_eq(&wanted).is_some()
    }

    fn or(&mut self) -> Result<Node, Unsupported> {
        let mut node = self.and()?;
        while self.eat('|') {
            node = Node::Or(Box::new(node), Box::new(self.and()?));
        }
        Ok(node)
    }

    fn and(&mut self) -> Result<Node, Unsupported> {
        let mut node = self.phrase()?;
        while self.eat('&') {
            node = Node::And(Box::new(node), Box::new(self.phrase()?));
        }
        Ok(node)
    }

    fn phrase(&mut self) -> Result<Node, Unsupported> {
        let mut node = self.unary()?;
        while self.eat('<') {
            let distance = if self.chars.next_if_eq(&'-').is_some() {
                1
            } else {
                let mut digits = String::new();
                while let Some(digit) = self.chars.next_if(char::is_ascii_digit) {
                    digits.push(digit);
                }
                digits.parse().map_err(|_| Unsupported)?
            };
            if !self.eat('>') {
                return Err(Unsupported);
            }
            let right = self.unary()?;
            if !node.is_phrase_operand() || !right.is_phrase_operand() {
                return Err(Unsupported);
            }
            node = Node::Phrase(Box::new(node), distance, Box::new(right));
        }
        Ok(node)
    }

    fn unary(&mut self) -> Result<Node, Unsupported> {
        if self.eat('!') {
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        if self.eat('(') {
            let node = self.or()?;
            return if self.eat(')') {
                Ok(node)
            } else {
                Err(Unsupported)
            };
        }
        self.skip_spaces();
        let word = quoted(&mut self.chars)?;
        if self.chars.peek() == Some(&':') {
            // Prefix (`:*`) and weight flags: websearch_to_tsquery never writes them.
            return Err(Unsupported);
        }
        Ok(Node::Word(word.into_boxed_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        Document::parse(text).expect("a tsvector")
    }

    fn query(text: &str) -> TextQuery {
        TextQuery::parse(text).expect("a tsquery")
    }

    #[test]
    fn a_tsvector_keeps_lexemes_positions_and_weights() {
        let document = doc("'cup':2A,7C 'it''s':1 'a\\\\b':4B");
        assert_eq!(
            document.lexemes,
            vec![
                ("a\\b".into(), vec![(2 << 14) | 4]),
                ("cup".into(), vec![(3 << 14) | 2, (1 << 14) | 7]),
                ("it's".into(), vec![1]),
            ]
        );
    }

    #[test]
    fn operators_follow_postgres_precedence() {
        let document = doc("'blue':1A 'cup':2A 'tea':5C");
        assert!(query("'blue' <-> 'cup' & !'white' | 'mug' & 'tea'").matches(&document));
        assert!(!query("'cup' <-> 'blue'").matches(&document));
        assert!(query("'cup' <3> 'tea'").matches(&document));
        assert!(query("'blue' <-> 'cup' <3> 'tea'").matches(&document));
        assert!(!query("'blue' <-> 'cup' <2> 'tea'").matches(&document));
        assert!(!query("!'cup'").matches(&document));
        assert!(query("!( 'mug' | 'white' )").matches(&document));
        assert!(!TextQuery::Empty.matches(&document));
        assert_eq!(TextQuery::parse(""), Ok(TextQuery::Empty));
    }

    #[test]
    fn forms_websearch_never_writes_are_unsupported() {
        assert_eq!(TextQuery::parse("'cup':*"), Err(Unsupported));
        assert_eq!(
            TextQuery::parse("'cup' <-> ( 'a' | 'b' )"),
            Err(Unsupported)
        );
        assert_eq!(TextQuery::parse("'cup' &"), Err(Unsupported));
    }

    #[test]
    fn a_one_word_rank_sums_the_weights_of_its_occurrences() {
        let document = doc("'cup':2A,7C 'white':3");
        let cup = query("'cup'");
        assert!((TextQuery::rank(&cup.ranked_words(), &document) - 1.2).abs() < 1e-6);
        assert_eq!(
            query("'cup' & !'white'").required_words(),
            vec!["cup"],
            "a negated word is not required"
        );
    }
}
