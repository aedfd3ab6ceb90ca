//! The compiled form of a template: fragments of statics around slots, each slot knowing
//! which root assigns it reads.

use std::collections::BTreeSet;

use handlebars::template::{Parameter, Template as HbTemplate, TemplateElement};
use liveview_core::{Assigns, Fingerprint, Statics};
use serde_json::Value;

use crate::live::LiveHelper;

/// The root assign keys a slot reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Deps {
    /// Reads these keys (possibly none: a constant).
    Keys(BTreeSet<Box<str>>),
    /// Cannot be known: re-render whenever anything changed.
    All,
}

impl Deps {
    pub(crate) fn none() -> Deps {
        Deps::Keys(BTreeSet::new())
    }

    pub(crate) fn key(key: &str) -> Deps {
        Deps::Keys(BTreeSet::from([Box::from(key)]))
    }

    pub(crate) fn add(&mut self, other: &Deps) {
        match (&mut *self, other) {
            (Deps::All, _) => {}
            (_, Deps::All) => *self = Deps::All,
            (Deps::Keys(mine), Deps::Keys(theirs)) => mine.extend(theirs.iter().cloned()),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Deps::Keys(keys) if keys.is_empty())
    }

    /// True when one of the keys changed (every key counts after `mark_all_changed`).
    pub(crate) fn is_dirty(&self, assigns: &Assigns) -> bool {
        match self {
            Deps::All => !assigns.is_unchanged(),
            Deps::Keys(keys) => keys.iter().any(|k| assigns.is_changed(k)),
        }
    }
}

/// A path as handlebars resolves it (see `Context::navigate` in handlebars 6.4).
#[derive(Clone, Debug)]
pub(crate) enum PathExpr {
    /// `@index`, `@../key`: a local variable `level` blocks up.
    Local { level: usize, name: Box<str> },
    /// Anything else: `name`, `a.b`, `../x`, `@root.y`, `this`.
    Relative {
        /// Leading `../` count.
        ups: usize,
        /// Starts at `@root`.
        root: bool,
        /// First named segment when it may be a block parameter.
        first: Option<Box<str>>,
        /// Every named segment (handlebars drops `this`).
        named: Box<[Box<str>]>,
    },
}

/// A value-producing expression.
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    Path(PathExpr),
    Literal(Value),
    /// A helper we evaluate ourselves (none of them reads hash arguments).
    Builtin {
        op: Builtin,
        params: Vec<Expr>,
    },
    /// A user helper in a subexpression: evaluated by handlebars.
    User(Box<Parameter>),
}

/// Value helpers handlebars ships, evaluated natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    And,
    Or,
    Not,
    Len,
    Lookup,
}

impl Builtin {
    pub(crate) fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "gt" => Builtin::Gt,
            "gte" => Builtin::Gte,
            "lt" => Builtin::Lt,
            "lte" => Builtin::Lte,
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "len" => Builtin::Len,
            "lookup" => Builtin::Lookup,
            _ => return None,
        })
    }

    /// Helpers that act as conditions when used as blocks (`{{#eq a b}}`).
    pub(crate) fn is_condition(self) -> bool {
        !matches!(self, Builtin::Len | Builtin::Lookup)
    }
}

/// Statics around slots, with a fingerprint fixed at compile time.
#[derive(Clone, Debug)]
pub(crate) struct Fragment {
    pub(crate) statics: Statics,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) slots: Vec<Slot>,
    /// Union of the slots' dependencies.
    pub(crate) deps: Deps,
}

/// One dynamic position.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub(crate) node: Node,
    pub(crate) deps: Deps,
    /// Line and column in the source, for render errors.
    pub(crate) pos: (usize, usize),
}

/// What a slot renders.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// `{{expr}}` (escaped) or `{{{expr}}}`.
    Output { expr: Expr, escape: bool },
    /// `{{#if}}`, `{{#unless}}`, `{{#eq ..}}`...: a nested tree per branch.
    Cond {
        cond: Expr,
        negate: bool,
        include_zero: Option<Expr>,
        switch: Deps,
        then: Box<Fragment>,
        inverse: Box<Fragment>,
    },
    /// `{{#with value as |p|}}`.
    With {
        value: Expr,
        param: Option<Box<str>>,
        switch: Deps,
        body: Box<Fragment>,
        inverse: Box<Fragment>,
    },
    /// `{{#each list as |item key|}}`: a comprehension.
    Each {
        list: Expr,
        item: Option<Box<str>>,
        key: Option<Box<str>>,
        body: Box<Fragment>,
        inverse: Option<Box<Fragment>>,
    },
    /// `{{> name ctx key=value}}` inlined at compile time.
    Partial { context: Option<Expr>, hash: Vec<(Box<str>, Expr)>, body: Box<Fragment> },
    /// A LiveView helper.
    Live { helper: LiveHelper, params: Vec<Expr>, hash: Vec<(Box<str>, Expr)> },
    /// `{{{inner_content}}}` of a layout.
    InnerContent,
    /// Rendered by handlebars itself, as text.
    Fallback(Box<TemplateElement>),
    /// The whole template rendered by handlebars (inline partials, decorators).
    Whole(Box<HbTemplate>),
    /// Fails when rendered (e.g. a partial including itself).
    Fail(Box<str>),
}
