//! [`ModuleName`]: an absolute, validated, dotted Python module name.

use std::fmt;

/// An absolute Python module name such as `backtester_v2.market_regime.detector`.
///
/// Always non-empty; every component is a non-empty identifier-like word (letters, digits,
/// `_`, or any non-ASCII character, not starting with a digit).
///
/// ```
/// use regraft::lang::python::module_name::ModuleName;
/// let m = ModuleName::new("backtester_v2.market_regime").unwrap();
/// assert!(m.is_within(&ModuleName::new("backtester_v2").unwrap()));
/// assert!(!ModuleName::new("backtester_v2.market_regime_legacy").unwrap().is_within(&m));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ModuleName(String);

impl ModuleName {
    /// Validates `dotted` as an absolute module name.
    pub fn new(dotted: &str) -> Option<Self> {
        dotted
            .split('.')
            .all(is_identifier)
            .then(|| Self(dotted.to_owned()))
    }

    /// Builds a name from its components; `None` when there are none or one is not a word.
    pub fn from_components<'a>(parts: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        let joined = parts.into_iter().collect::<Vec<_>>().join(".");
        Self::new(&joined)
    }

    /// The dotted text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The components, outermost first.
    pub fn components(&self) -> impl DoubleEndedIterator<Item = &str> + Clone {
        self.0.split('.')
    }

    /// How many components the name has.
    pub fn len(&self) -> usize {
        self.components().count()
    }

    /// Always false: a module name has at least one component.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The last component (`detector` for `a.b.detector`).
    pub fn leaf(&self) -> &str {
        self.0.rsplit('.').next().unwrap_or(&self.0)
    }

    /// The enclosing package, or `None` for a top-level name.
    pub fn parent(&self) -> Option<Self> {
        self.0.rfind('.').map(|dot| Self(self.0[..dot].to_owned()))
    }

    /// `self.child`; `None` when `child` is not a valid dotted name.
    pub fn join(&self, child: &str) -> Option<Self> {
        Self::new(&format!("{}.{child}", self.0))
    }

    /// True when `self` is `prefix` or lies inside it, comparing whole components.
    pub fn is_within(&self, prefix: &Self) -> bool {
        self.0 == prefix.0
            || (self.0.starts_with(&prefix.0)
                && self.0.as_bytes().get(prefix.0.len()) == Some(&b'.'))
    }

    /// Replaces the leading `from` part of `self` by `to`; `None` when `self` is not within `from`.
    pub fn replace_prefix(&self, from: &Self, to: &Self) -> Option<Self> {
        self.is_within(from)
            .then(|| Self(format!("{}{}", to.0, &self.0[from.0.len()..])))
    }

    /// The first `n` components; `None` when `n` is 0 or more than the name has.
    pub fn truncate(&self, n: usize) -> Option<Self> {
        if n == 0 || n > self.len() {
            return None;
        }
        Self::from_components(self.components().take(n))
    }
}

impl fmt::Display for ModuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_identifier(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> ModuleName {
        ModuleName::new(s).unwrap()
    }

    #[test]
    fn rejects_what_is_not_a_dotted_name() {
        for bad in ["", ".a", "a.", "a..b", "1a", "a-b", "a b", ".."] {
            assert_eq!(ModuleName::new(bad), None, "{bad:?}");
        }
        assert!(ModuleName::new("_priv.été.x1").is_some());
    }

    #[test]
    fn within_compares_whole_components() {
        assert!(m("a.b").is_within(&m("a.b")));
        assert!(m("a.b.c").is_within(&m("a.b")));
        assert!(!m("a.bc").is_within(&m("a.b")));
        assert!(!m("a").is_within(&m("a.b")));
    }

    #[test]
    fn replace_prefix_keeps_the_tail() {
        let from = m("backtester_v2.market_regime");
        let to = m("backtester_v2.strategies.market_regime");
        assert_eq!(
            m("backtester_v2.market_regime.models.hmm").replace_prefix(&from, &to),
            Some(m("backtester_v2.strategies.market_regime.models.hmm"))
        );
        assert_eq!(
            m("backtester_v2.market_regime_legacy").replace_prefix(&from, &to),
            None
        );
    }

    #[test]
    fn parent_leaf_truncate() {
        assert_eq!(m("a.b.c").parent(), Some(m("a.b")));
        assert_eq!(m("a").parent(), None);
        assert_eq!(m("a.b.c").leaf(), "c");
        assert_eq!(m("a.b.c").truncate(2), Some(m("a.b")));
        assert_eq!(m("a.b.c").truncate(0), None);
        assert_eq!(m("a.b.c").truncate(4), None);
        assert_eq!(m("a.b").len(), 2);
    }
}
