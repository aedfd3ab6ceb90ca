//! Evaluates compiled fragments against assigns: our own path resolution, scopes and
//! built-in helpers (mirroring handlebars 6.4), handlebars itself for everything else.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::fmt::Write as _;

use handlebars::{
    BlockContext, BlockParamHolder, Context, JsonRender, JsonTruthy, RenderContext, Renderable,
};
use liveview_core::html::escape_into;
use liveview_core::{Assigns, Comprehension, Dynamic, Rendered};
use serde_json::{Map, Value};

use crate::live::{self, LiveOutput};
use crate::node::{Builtin, Deps, Expr, Fragment, Node, PathExpr, Slot};
use crate::template::Compiled;

/// A render failure; `located` once a slot position was put in front.
#[derive(Debug)]
pub(crate) struct EvalError {
    pub(crate) message: String,
    located: bool,
}

impl EvalError {
    fn new(message: impl Into<String>) -> EvalError {
        EvalError { message: message.into(), located: false }
    }

    fn locate(mut self, file: &str, (line, column): (usize, usize)) -> EvalError {
        if !self.located {
            self.message = format!("{file}:{line}:{column}: {}", self.message);
            self.located = true;
        }
        self
    }
}

impl From<handlebars::RenderError> for EvalError {
    fn from(e: handlebars::RenderError) -> Self {
        EvalError::new(e.reason().to_string())
    }
}

type Result<T, E = EvalError> = std::result::Result<T, E>;

/// `@index`, `@key`, `@first`, `@last` of a block.
#[derive(Clone, Copy, Default)]
struct Locals<'a> {
    index: Option<usize>,
    key: Option<&'a str>,
    first: Option<bool>,
    last: Option<bool>,
}

/// One block scope (handlebars' `BlockContext`), linked to the enclosing one.
pub(crate) struct Scope<'a> {
    this: Cow<'a, Value>,
    locals: Locals<'a>,
    params: Vec<(&'a str, Cow<'a, Value>)>,
    parent: Option<&'a Scope<'a>>,
    is_root: bool,
}

impl<'a> Scope<'a> {
    pub(crate) fn root(value: &'a Value) -> Scope<'a> {
        Scope {
            this: Cow::Borrowed(value),
            locals: Locals::default(),
            params: Vec::new(),
            parent: None,
            is_root: true,
        }
    }

    fn nth(&self, level: usize) -> Option<&Scope<'a>> {
        let mut at = self;
        for _ in 0..level {
            at = at.parent?;
        }
        Some(at)
    }

    fn param(&self, name: &str) -> Option<&Value> {
        let mut at = Some(self);
        while let Some(s) = at {
            if let Some((_, v)) = s.params.iter().find(|(n, _)| *n == name) {
                return Some(v);
            }
            at = s.parent;
        }
        None
    }
}

/// One render: the assigns, and what fallbacks and layouts need.
pub(crate) struct Cx<'a> {
    compiled: &'a Compiled,
    assigns: &'a Assigns,
    hb_context: OnceCell<Context>,
    inner: Option<RefCell<Option<Rendered>>>,
}

impl Cx<'_> {
    /// True when a slot with these dependencies must be rendered. A layout render always
    /// renders `{{{inner_content}}}` (and whatever else depends on everything).
    fn dirty(&self, deps: &Deps) -> bool {
        deps.is_dirty(self.assigns) || (self.inner.is_some() && *deps == Deps::All)
    }
}

impl<'a> Cx<'a> {
    pub(crate) fn new(
        compiled: &'a Compiled,
        assigns: &'a Assigns,
        inner: Option<Rendered>,
    ) -> Cx<'a> {
        Cx {
            compiled,
            assigns,
            hb_context: OnceCell::new(),
            inner: inner.map(|r| RefCell::new(Some(r))),
        }
    }

    /// Renders a fragment; `full` renders every slot, otherwise only slots reading a
    /// changed assign (the others are `None`).
    pub(crate) fn fragment(
        &self,
        frag: &Fragment,
        scope: &Scope<'_>,
        full: bool,
    ) -> Result<Rendered> {
        let mut dynamics = Vec::with_capacity(frag.slots.len());
        for slot in &frag.slots {
            if full || self.dirty(&slot.deps) {
                let d = self
                    .slot(slot, scope, full)
                    .map_err(|e| e.locate(&self.compiled.name, slot.pos))?;
                dynamics.push(Some(d));
            } else {
                dynamics.push(None);
            }
        }
        Ok(Rendered {
            statics: frag.statics.clone(),
            dynamics,
            fingerprint: frag.fingerprint,
            root: false,
        })
    }

    fn full_dynamics(&self, frag: &Fragment, scope: &Scope<'_>) -> Result<Vec<Dynamic>> {
        frag.slots
            .iter()
            .map(|slot| {
                self.slot(slot, scope, true).map_err(|e| e.locate(&self.compiled.name, slot.pos))
            })
            .collect()
    }

    fn slot(&self, slot: &Slot, scope: &Scope<'_>, full: bool) -> Result<Dynamic> {
        match &slot.node {
            Node::Output { expr, escape } => {
                let value = self.expr(expr, scope)?;
                let mut out = String::with_capacity(16);
                render_value(&value, *escape, &mut out);
                Ok(Dynamic::Text(out))
            }
            Node::Cond { cond, negate, include_zero, switch, then, inverse } => {
                let include_zero = match include_zero {
                    Some(e) => self.expr(e, scope)?.as_bool().unwrap_or(false),
                    None => false,
                };
                let truthy = self.expr(cond, scope)?.is_truthy(include_zero) != *negate;
                let branch = if truthy { then } else { inverse };
                // A changed condition may have switched branches: send the whole branch.
                let full = full || self.dirty(switch);
                Ok(Dynamic::Nested(Box::new(self.fragment(branch, scope, full)?)))
            }
            Node::With { value, param, switch, body, inverse } => {
                let value = self.expr(value, scope)?;
                let full = full || self.dirty(switch);
                if !value.is_truthy(false) {
                    return Ok(Dynamic::Nested(Box::new(self.fragment(inverse, scope, full)?)));
                }
                let params = param.iter().map(|p| (&**p, Cow::Borrowed(&*value))).collect();
                let inner = Scope {
                    this: Cow::Borrowed(&*value),
                    locals: scope.locals,
                    params,
                    parent: Some(scope),
                    is_root: false,
                };
                Ok(Dynamic::Nested(Box::new(self.fragment(body, &inner, full)?)))
            }
            Node::Each { list, item, key, body, inverse } => {
                self.each(list, item.as_deref(), key.as_deref(), body, inverse.as_deref(), scope)
            }
            Node::Partial { context, hash, body } => {
                let base = match context {
                    Some(e) => self.expr(e, scope)?,
                    None => Cow::Borrowed(&*scope.this),
                };
                let mut values = Vec::with_capacity(hash.len());
                for (k, e) in hash {
                    values.push((&**k, self.expr(e, scope)?));
                }
                let this = if values.is_empty() { base } else { Cow::Owned(merge(&base, &values)) };
                let inner = Scope {
                    this,
                    locals: scope.locals,
                    params: values,
                    parent: Some(scope),
                    is_root: false,
                };
                Ok(Dynamic::Nested(Box::new(self.fragment(body, &inner, full)?)))
            }
            Node::Live { helper, params, hash } => {
                let params =
                    params.iter().map(|e| self.expr(e, scope)).collect::<Result<Vec<_>>>()?;
                let hash = hash
                    .iter()
                    .map(|(k, e)| Ok((&**k, self.expr(e, scope)?)))
                    .collect::<Result<Vec<_>>>()?;
                let param_refs: Vec<&Value> = params.iter().map(|v| &**v).collect();
                let hash_refs: Vec<(&str, &Value)> = hash.iter().map(|(k, v)| (*k, &**v)).collect();
                match live::call(*helper, &param_refs, &hash_refs, self.assigns.as_value())
                    .map_err(EvalError::new)?
                {
                    LiveOutput::Html(html) => Ok(Dynamic::Text(html)),
                    LiveOutput::Component(call) => Ok(Dynamic::ComponentCall(Box::new(call))),
                    LiveOutput::Child(call) => Ok(Dynamic::ChildCall(Box::new(call))),
                }
            }
            Node::InnerContent => match &self.inner {
                Some(cell) => Ok(cell
                    .borrow_mut()
                    .take()
                    .map_or(Dynamic::Text(String::new()), |r| Dynamic::Nested(Box::new(r)))),
                None => {
                    let mut out = String::new();
                    render_value(
                        self.assigns.get("inner_content").unwrap_or(&Value::Null),
                        false,
                        &mut out,
                    );
                    Ok(Dynamic::Text(out))
                }
            },
            Node::Fallback(element) => {
                let ctx = self.hb_context();
                let hb = &self.compiled.shared.hb;
                let mut rc = render_context(scope);
                Ok(Dynamic::Text(element.renders(hb, ctx, &mut rc)?))
            }
            Node::Whole(template) => {
                let ctx = self.hb_context();
                let hb = &self.compiled.shared.hb;
                let mut rc = render_context(scope);
                Ok(Dynamic::Text(template.renders(hb, ctx, &mut rc)?))
            }
            Node::Fail(message) => Err(EvalError::new(&**message)),
        }
    }

    fn each(
        &self,
        list: &Expr,
        item: Option<&str>,
        key: Option<&str>,
        body: &Fragment,
        inverse: Option<&Fragment>,
        scope: &Scope<'_>,
    ) -> Result<Dynamic> {
        let value = self.expr(list, scope)?;
        let mut entries = Vec::new();
        let row = |index: usize, len: usize, k: Option<&str>, v: &Value| -> Result<Vec<Dynamic>> {
            let mut params = Vec::new();
            if let Some(name) = item {
                params.push((name, Cow::Borrowed(v)));
            }
            if let Some(name) = key {
                params.push((name, Cow::Owned(k.map_or(Value::from(index), Value::from))));
            }
            let locals = Locals {
                index: Some(index),
                key: k,
                first: Some(index == 0),
                last: Some(index + 1 == len),
            };
            let inner = Scope {
                this: Cow::Borrowed(v),
                locals,
                params,
                parent: Some(scope),
                is_root: false,
            };
            self.full_dynamics(body, &inner)
        };
        match (&*value, inverse) {
            (Value::Array(list), inv) if !list.is_empty() || inv.is_none() => {
                entries.reserve(list.len());
                for (i, v) in list.iter().enumerate() {
                    entries.push(row(i, list.len(), None, v)?);
                }
            }
            (Value::Object(map), inv) if !map.is_empty() || inv.is_none() => {
                for (i, (k, v)) in map.iter().enumerate() {
                    entries.push(row(i, map.len(), Some(k), v)?);
                }
            }
            (_, Some(inverse)) => {
                return Ok(Dynamic::Nested(Box::new(self.fragment(inverse, scope, true)?)));
            }
            _ => {}
        }
        Ok(Dynamic::Comprehension(Box::new(Comprehension {
            statics: body.statics.clone(),
            fingerprint: body.fingerprint,
            entries,
            stream: None,
        })))
    }

    fn hb_context(&self) -> &Context {
        // Built at most once per render, and only when handlebars renders something.
        self.hb_context.get_or_init(|| Context::from(self.assigns.as_value().clone()))
    }

    fn expr<'s>(&'s self, e: &'s Expr, scope: &'s Scope<'_>) -> Result<Cow<'s, Value>> {
        match e {
            Expr::Literal(v) => Ok(Cow::Borrowed(v)),
            Expr::Path(p) => Ok(self.path(p, scope)?.unwrap_or(Cow::Owned(Value::Null))),
            Expr::Builtin { op, params } => {
                let mut values = Vec::with_capacity(params.len());
                for p in params {
                    values.push(self.expr(p, scope)?);
                }
                builtin(*op, values)
            }
            Expr::User(param) => {
                let ctx = self.hb_context();
                let hb = &self.compiled.shared.hb;
                let mut rc = render_context(scope);
                let value = param.expand(hb, ctx, &mut rc)?.value().clone();
                Ok(Cow::Owned(value))
            }
        }
    }

    /// Resolves a path like handlebars' `Context::navigate` (non-strict, no recursive lookup).
    fn path<'s>(&'s self, p: &PathExpr, scope: &'s Scope<'_>) -> Result<Option<Cow<'s, Value>>> {
        match p {
            PathExpr::Local { level, name } => {
                let Some(s) = scope.nth(*level) else { return Ok(None) };
                let l = s.locals;
                Ok(match &**name {
                    "index" => l.index.map(Value::from),
                    "key" => l.key.map(Value::from),
                    "first" => l.first.map(Value::from),
                    "last" => l.last.map(Value::from),
                    _ => None,
                }
                .map(Cow::Owned))
            }
            PathExpr::Relative { ups, root, first, named } => {
                if let Some(first) = first {
                    if let Some(v) = scope.param(first) {
                        return walk(v, &named[1..]).map(|o| o.map(Cow::Borrowed));
                    }
                }
                let base: &Value = if *ups > 0 {
                    &scope.nth(*ups).unwrap_or(scope).this
                } else if *root {
                    self.assigns.as_value()
                } else {
                    &scope.this
                };
                walk(base, named).map(|o| o.map(Cow::Borrowed))
            }
        }
    }
}

/// Handlebars' `get_data` along the named segments.
fn walk<'v>(mut value: &'v Value, segs: &[Box<str>]) -> Result<Option<&'v Value>> {
    for seg in segs {
        let next = match value {
            Value::Array(list) => {
                let i: usize = seg.parse().map_err(|_| {
                    EvalError::new(format!("Cannot access array/vector with string index, {seg}"))
                })?;
                list.get(i)
            }
            Value::Object(map) => map.get(&**seg),
            _ => None,
        };
        match next {
            Some(v) => value = v,
            None => return Ok(None),
        }
    }
    Ok(Some(value))
}

/// Handlebars' `merge_json`: the partial's context plus its hash arguments.
fn merge(base: &Value, hash: &[(&str, Cow<'_, Value>)]) -> Value {
    let mut map = match base {
        Value::Object(m) => m.clone(),
        Value::Array(a) => a.iter().enumerate().map(|(i, v)| (i.to_string(), v.clone())).collect(),
        Value::String(s) => s
            .chars()
            .enumerate()
            .map(|(i, c)| (i.to_string(), Value::String(c.to_string())))
            .collect(),
        _ => Map::new(),
    };
    for (k, v) in hash {
        map.insert((*k).to_owned(), v.clone().into_owned());
    }
    Value::Object(map)
}

/// Handlebars' JSON rendering, escaped with core's `html::escape` when `escape`.
pub(crate) fn render_value(value: &Value, escape: bool, out: &mut String) {
    match (value, escape) {
        (Value::String(s), true) => escape_into(s, out),
        (Value::String(s), false) => out.push_str(s),
        (Value::Null, _) => {}
        // Numbers and booleans never need escaping; write them without a temporary string.
        (Value::Number(n), _) => {
            let _ = write!(out, "{n}");
        }
        (Value::Bool(b), _) => out.push_str(if *b { "true" } else { "false" }),
        (other, true) => escape_into(&other.render(), out),
        (other, false) => out.push_str(&other.render()),
    }
}

fn builtin(op: Builtin, values: Vec<Cow<'_, Value>>) -> Result<Cow<'_, Value>> {
    let arg = |i: usize| {
        values.get(i).map(|v| &**v).ok_or_else(|| {
            EvalError::new(format!(
                "Helper/Decorator {op:?} param at index {i} required but not found"
            ))
        })
    };
    let result = match op {
        Builtin::Eq => arg(0)? == arg(1)?,
        Builtin::Ne => arg(0)? != arg(1)?,
        Builtin::Gt => compare(arg(0)?, arg(1)?) == Some(Ordering::Greater),
        Builtin::Gte => compare(arg(0)?, arg(1)?).is_some_and(|o| o != Ordering::Less),
        Builtin::Lt => compare(arg(0)?, arg(1)?) == Some(Ordering::Less),
        Builtin::Lte => compare(arg(0)?, arg(1)?).is_some_and(|o| o != Ordering::Greater),
        Builtin::And => values.iter().all(|v| v.is_truthy(false)),
        Builtin::Or => values.iter().any(|v| v.is_truthy(false)),
        Builtin::Not => !arg(0)?.is_truthy(false),
        Builtin::Len => {
            let n = match arg(0)? {
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                Value::String(s) => s.len(),
                _ => 0,
            };
            return Ok(Cow::Owned(Value::from(n)));
        }
        Builtin::Lookup => {
            let (collection, index) = (arg(0)?, arg(1)?);
            let found = match collection {
                Value::Array(v) => {
                    index.as_u64().and_then(|u| usize::try_from(u).ok()).and_then(|u| v.get(u))
                }
                Value::Object(m) => index.as_str().and_then(|k| m.get(k)),
                _ => None,
            };
            return Ok(Cow::Owned(found.cloned().unwrap_or(Value::Null)));
        }
    };
    Ok(Cow::Owned(Value::Bool(result)))
}

/// Handlebars' `compare_json` for `gt`/`lt`/...: numbers, strings, booleans, and numbers
/// against numeric strings.
fn compare(x: &Value, y: &Value) -> Option<Ordering> {
    fn nums(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
        match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
            (_, _, Some(a), Some(b)) => Some(a.cmp(&b)),
            (Some(a), Some(b), _, _) => Some(a.cmp(&b)),
            _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
        }
    }
    let parse = |s: &str| s.parse::<serde_json::Number>().ok();
    match (x, y) {
        (Value::Number(a), Value::Number(b)) => nums(a, b),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Number(a), Value::String(b)) => nums(a, &parse(b)?),
        (Value::String(a), Value::Number(b)) => nums(b, &parse(a)?).map(Ordering::reverse),
        _ => None,
    }
}

/// A handlebars render context whose block stack mirrors our scopes.
fn render_context<'r>(scope: &'r Scope<'_>) -> RenderContext<'r, 'r> {
    let mut blocks = VecDeque::new();
    let mut at = Some(scope);
    while let Some(s) = at {
        let mut block = BlockContext::new();
        if !s.is_root {
            block.set_base_value(s.this.clone().into_owned());
        }
        let l = s.locals;
        if let Some(i) = l.index {
            block.set_local_var("index", Value::from(i));
        }
        if let Some(k) = l.key {
            block.set_local_var("key", Value::from(k));
        }
        if let Some(f) = l.first {
            block.set_local_var("first", Value::from(f));
        }
        if let Some(f) = l.last {
            block.set_local_var("last", Value::from(f));
        }
        for (name, value) in &s.params {
            block.set_block_param(name, BlockParamHolder::value(value.clone().into_owned()));
        }
        blocks.push_back(block);
        at = s.parent;
    }
    let mut rc = RenderContext::new(None);
    rc.replace_blocks(blocks);
    rc
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn walk_follows_handlebars_get_data() {
        let v = json!({"a": [{"b": 1}], "s": "str"});
        let segs = |p: &str| p.split('.').map(Box::from).collect::<Vec<Box<str>>>();
        assert_eq!(walk(&v, &segs("a.0.b")).unwrap(), Some(&json!(1)));
        assert_eq!(walk(&v, &segs("s.x")).unwrap(), None);
        assert!(
            walk(&v, &segs("a.length")).is_err(),
            "handlebars rejects string indexes into arrays"
        );
    }

    #[test]
    fn compare_like_handlebars() {
        assert_eq!(compare(&json!(2), &json!(10)), Some(Ordering::Less));
        assert_eq!(compare(&json!(-1), &json!(1.5)), Some(Ordering::Less));
        assert_eq!(compare(&json!("3"), &json!(2)), Some(Ordering::Greater));
        assert_eq!(compare(&json!(null), &json!(2)), None);
    }

    #[test]
    fn merge_adds_hash_to_context() {
        let hash = [("k", Cow::Owned(json!(1)))];
        assert_eq!(merge(&json!({"a": 2}), &hash), json!({"a": 2, "k": 1}));
        assert_eq!(merge(&json!(["x"]), &hash), json!({"0": "x", "k": 1}));
        assert_eq!(merge(&json!(5), &hash), json!({"k": 1}));
    }

    #[test]
    fn values_render_like_handlebars() {
        let mut out = String::new();
        for v in
            [json!("<a>"), json!(1.5), json!(true), json!(null), json!([1, "x"]), json!({"a": 1})]
        {
            render_value(&v, true, &mut out);
            out.push('|');
        }
        assert_eq!(out, "&lt;a&gt;|1.5|true||[1, x]|[object]|");
    }
}
