//! The handlebars AST walk: raw strings become statics, everything else a slot that knows the
//! root assigns it reads. The only file that matches on handlebars' AST.

use std::sync::Arc;

use handlebars::template::{
    BlockParam, DecoratorTemplate, HelperTemplate, Parameter, Template as HbTemplate,
    TemplateElement as E,
};
use handlebars::{Path, PathSeg};
use liveview_core::{Fingerprint, Statics};

use crate::error::{TemplateError, TemplateErrorKind};
use crate::live::LiveHelper;
use crate::node::{Builtin, Deps, Expr, Fragment, Node, PathExpr, Slot};
use crate::registry::Shared;
use crate::template::{Compiled, CompiledTemplate};

/// Partials nest at most this deep when inlined; deeper (recursive) ones render as text.
const MAX_PARTIAL_DEPTH: usize = 8;

/// Where a scope's `this` comes from, for dependency tracking.
#[derive(Clone, Debug)]
enum Origin {
    /// `this` is the assigns object (or a copy): a path's first segment is the key read.
    Root,
    /// `this` derives from these keys.
    Derived(Deps),
}

/// A block scope as handlebars stacks them (`each`, `with`, partials; `if` adds none).
#[derive(Clone, Debug)]
struct Scope {
    origin: Origin,
    params: Vec<(String, Deps)>,
    has_locals: bool,
}

struct Compiler<'a> {
    file: &'a str,
    shared: &'a Shared,
    scopes: Vec<Scope>,
    partials: Vec<String>,
    fragments: u64,
    has_inner_content: bool,
    generation: u64,
}

/// Compiles a parsed template. `generation` goes into every fingerprint, so a template
/// reloaded from disk never shares fingerprints with its previous version.
pub(crate) fn compile(
    name: &str,
    parsed: &HbTemplate,
    shared: Arc<Shared>,
    generation: u64,
) -> Result<CompiledTemplate, TemplateError> {
    let mut c = Compiler {
        file: name,
        generation,
        shared: &shared,
        scopes: vec![Scope { origin: Origin::Root, params: Vec::new(), has_locals: false }],
        partials: vec![name.to_owned()],
        fragments: 0,
        has_inner_content: false,
    };
    let root = if uses_decorators(parsed, &shared, 0) {
        // Inline partials (`{{#*inline}}`) change how later elements resolve: let handlebars
        // render the whole template.
        let slot =
            Slot { node: Node::Whole(Box::new(parsed.clone())), deps: Deps::All, pos: (1, 1) };
        c.fragment_of(vec![String::new(), String::new()], vec![slot])
    } else {
        c.fragment(parsed)?
    };
    let has_inner_content = c.has_inner_content;
    Ok(CompiledTemplate::new(Compiled {
        name: name.to_owned(),
        root,
        shared: Arc::clone(&shared),
        has_inner_content,
        parsed: parsed.clone(),
    }))
}

fn uses_decorators(t: &HbTemplate, shared: &Shared, depth: usize) -> bool {
    t.elements.iter().any(|e| match e {
        E::DecoratorExpression(_) | E::DecoratorBlock(_) => true,
        E::HelperBlock(h) => [&h.template, &h.inverse]
            .into_iter()
            .flatten()
            .any(|t| uses_decorators(t, shared, depth)),
        E::PartialExpression(d) if depth < MAX_PARTIAL_DEPTH => d
            .name
            .as_name()
            .and_then(|n| shared.partials.get(n))
            .is_some_and(|p| uses_decorators(p, shared, depth + 1)),
        E::PartialBlock(d) => {
            d.template.as_ref().is_some_and(|t| uses_decorators(t, shared, depth))
        }
        _ => false,
    })
}

impl Compiler<'_> {
    fn fragment(&mut self, t: &HbTemplate) -> Result<Fragment, TemplateError> {
        let mut statics = vec![String::new()];
        let mut slots = Vec::new();
        for (i, element) in t.elements.iter().enumerate() {
            let pos = t.mapping.get(i).map_or((1, 1), |m| (m.0, m.1));
            match element {
                E::RawString(s) => statics.last_mut().map_or((), |last| last.push_str(s)),
                E::Comment(_) => {}
                other => {
                    let (node, deps) = self.node(other, pos)?;
                    slots.push(Slot { node, deps, pos });
                    statics.push(String::new());
                }
            }
        }
        Ok(self.fragment_of(statics, slots))
    }

    fn fragment_of(&mut self, statics: Vec<String>, slots: Vec<Slot>) -> Fragment {
        // The salt keeps fingerprints of different fragments apart even when their statics
        // are equal (`{{#if a}}{{x}}{{else}}{{y}}{{/if}}`).
        self.fragments += 1;
        let salt = format!("\u{0}hbs:{}:{}:{}", self.file, self.generation, self.fragments);
        let fingerprint = Fingerprint::of_statics(
            &std::iter::once(salt.as_str())
                .chain(statics.iter().map(String::as_str))
                .collect::<Vec<_>>(),
        );
        let mut deps = Deps::none();
        slots.iter().for_each(|s| deps.add(&s.deps));
        Fragment { statics: Statics::new(statics), fingerprint, slots, deps }
    }

    fn empty(&mut self) -> Fragment {
        self.fragment_of(vec![String::new()], Vec::new())
    }

    fn optional(&mut self, t: Option<&HbTemplate>) -> Result<Fragment, TemplateError> {
        match t {
            Some(t) => self.fragment(t),
            None => Ok(self.empty()),
        }
    }

    fn has_helper(&self, name: &str) -> bool {
        self.shared.helpers.contains(name)
    }

    fn is_user(&self, name: &str) -> bool {
        self.shared.user_helpers.contains(name)
    }

    fn node(&mut self, element: &E, pos: (usize, usize)) -> Result<(Node, Deps), TemplateError> {
        match element {
            E::Expression(h) | E::HtmlExpression(h) => {
                self.expression(element, h, matches!(element, E::Expression(_)), pos)
            }
            E::HelperBlock(h) => self.block(element, h, pos),
            E::PartialExpression(d) => Ok(self.partial(element, d)),
            _ => Ok(fallback(element, Deps::All)),
        }
    }

    fn expression(
        &mut self,
        element: &E,
        h: &HelperTemplate,
        escape: bool,
        pos: (usize, usize),
    ) -> Result<(Node, Deps), TemplateError> {
        let name = match &h.name {
            Parameter::Path(p) => p_raw(p),
            Parameter::Name(n) => n.clone(),
            _ => return Ok(fallback(element, Deps::All)),
        };
        let name_only = h.params.is_empty() && h.hash.is_empty();
        if name_only && !self.has_helper(&name) {
            if self.has_helper("helperMissing") {
                return Ok(fallback(element, Deps::All));
            }
            let Parameter::Path(p) = &h.name else { return Ok(fallback(element, Deps::All)) };
            if name == "inner_content" && !escape {
                self.has_inner_content = true;
                return Ok((Node::InnerContent, Deps::All));
            }
            let path = path_expr(p);
            let deps = self.path_deps(&path);
            return Ok((Node::Output { expr: Expr::Path(path), escape }, deps));
        }
        if !self.is_user(&name) {
            if let Some(helper) = LiveHelper::from_name(&name) {
                if name_only && helper.reads_value_when_bare() {
                    let path = path_expr(
                        &Path::parse(&name).map_err(|e| self.syntax(pos, e.to_string()))?,
                    );
                    let deps = self.path_deps(&path);
                    return Ok((Node::Output { expr: Expr::Path(path), escape }, deps));
                }
                let (params, hash, mut deps) = self.args(h, pos)?;
                if helper == LiveHelper::CsrfMeta {
                    deps.add(&Deps::key("csrf_token"));
                }
                return Ok((Node::Live { helper, params, hash }, deps));
            }
            if let Some(op) = Builtin::from_name(&name) {
                let (params, _, deps) = self.args(h, pos)?;
                return Ok((Node::Output { expr: Expr::Builtin { op, params }, escape }, deps));
            }
        }
        if !self.has_helper(&name) {
            return Err(TemplateError::new(self.file, pos, TemplateErrorKind::UnknownHelper(name)));
        }
        // A user helper (or an odd use of a built-in): handlebars renders it.
        let (_, _, deps) = self.args(h, pos)?;
        let deps = if deps.is_empty() { Deps::All } else { deps };
        Ok(fallback(element, deps))
    }

    fn block(
        &mut self,
        element: &E,
        h: &HelperTemplate,
        pos: (usize, usize),
    ) -> Result<(Node, Deps), TemplateError> {
        let Some(name) = h.name.as_name().map(str::to_owned) else {
            return Ok(fallback(element, Deps::All));
        };
        if self.is_user(&name) {
            return Ok(fallback(element, Deps::All));
        }
        let builtin_cond = Builtin::from_name(&name).filter(|b| b.is_condition());
        match (name.as_str(), builtin_cond) {
            ("if" | "unless", _) | (_, Some(_)) if !h.params.is_empty() => {
                let (cond, switch) = if let Some(op) = builtin_cond {
                    let (params, _, deps) = self.args(h, pos)?;
                    (Expr::Builtin { op, params }, deps)
                } else {
                    let (cond, deps) = self.param(&h.params[0], pos)?;
                    let mut deps = deps;
                    let include_zero = match h.hash.get("includeZero") {
                        Some(p) => {
                            let (e, d) = self.param(p, pos)?;
                            deps.add(&d);
                            Some(e)
                        }
                        None => None,
                    };
                    return self.cond(h, cond, name == "unless", include_zero, deps);
                };
                self.cond(h, cond, false, None, switch)
            }
            ("with", _) if !h.params.is_empty() => {
                let (value, switch) = self.param(&h.params[0], pos)?;
                let param = block_param_names(h).0;
                let origin = self.origin_of(&h.params[0], &switch);
                let inherited_locals = self.scopes.last().is_some_and(|s| s.has_locals);
                let mut params = Vec::new();
                if let Some(p) = &param {
                    params.push((p.clone(), switch.clone()));
                }
                self.scopes.push(Scope { origin, params, has_locals: inherited_locals });
                let body = self.optional(h.template.as_ref());
                self.scopes.pop();
                let body = body?;
                let inverse = self.optional(h.inverse.as_ref())?;
                let mut deps = switch.clone();
                deps.add(&body.deps);
                deps.add(&inverse.deps);
                Ok((
                    Node::With {
                        value,
                        param: param.map(Into::into),
                        switch,
                        body: Box::new(body),
                        inverse: Box::new(inverse),
                    },
                    deps,
                ))
            }
            ("each", _) if !h.params.is_empty() => {
                let (list, list_deps) = self.param(&h.params[0], pos)?;
                let (item, key) = block_param_names(h);
                let mut params = Vec::new();
                for p in [&item, &key].into_iter().flatten() {
                    params.push((p.clone(), list_deps.clone()));
                }
                self.scopes.push(Scope {
                    origin: Origin::Derived(list_deps.clone()),
                    params,
                    has_locals: true,
                });
                let body = self.optional(h.template.as_ref());
                self.scopes.pop();
                let body = body?;
                let inverse = h.inverse.as_ref().map(|t| self.fragment(t)).transpose()?;
                let mut deps = list_deps;
                deps.add(&body.deps);
                if let Some(inv) = &inverse {
                    deps.add(&inv.deps);
                }
                let node = Node::Each {
                    list,
                    item: item.map(Into::into),
                    key: key.map(Into::into),
                    body: Box::new(body),
                    inverse: inverse.map(Box::new),
                };
                Ok((node, deps))
            }
            _ if self.has_helper(&name) => Ok(fallback(element, Deps::All)),
            _ => Err(TemplateError::new(self.file, pos, TemplateErrorKind::UnknownHelper(name))),
        }
    }

    fn cond(
        &mut self,
        h: &HelperTemplate,
        cond: Expr,
        negate: bool,
        include_zero: Option<Expr>,
        switch: Deps,
    ) -> Result<(Node, Deps), TemplateError> {
        let then = self.optional(h.template.as_ref())?;
        let inverse = self.optional(h.inverse.as_ref())?;
        let mut deps = switch.clone();
        deps.add(&then.deps);
        deps.add(&inverse.deps);
        Ok((
            Node::Cond {
                cond,
                negate,
                include_zero,
                switch,
                then: Box::new(then),
                inverse: Box::new(inverse),
            },
            deps,
        ))
    }

    fn partial(&mut self, element: &E, d: &DecoratorTemplate) -> (Node, Deps) {
        let Some(name) = d.name.as_name().map(str::to_owned) else {
            return fallback(element, Deps::All);
        };
        let Some(partial) = self.shared.partials.get(&name) else {
            return fallback(element, Deps::All);
        };
        if self.partials.last() == Some(&name) {
            let message = format!(
                "partial `{name}` includes itself (handlebars: cannot include current template)"
            );
            return (Node::Fail(message.into()), Deps::All);
        }
        if self.partials.len() > MAX_PARTIAL_DEPTH || d.template.is_some() {
            return fallback(element, Deps::All);
        }
        let inlined = (|| -> Result<(Node, Deps), TemplateError> {
            let (context, mut deps, origin) = match d.params.first() {
                Some(p) => {
                    let (e, deps) = self.param(p, (1, 1))?;
                    let origin = self.origin_of(p, &deps);
                    (Some(e), deps, origin)
                }
                None => (
                    None,
                    Deps::none(),
                    self.scopes.last().map_or(Origin::Root, |s| s.origin.clone()),
                ),
            };
            let mut hash = Vec::new();
            let mut params = Vec::new();
            let mut keys: Vec<&String> = d.hash.keys().collect();
            keys.sort();
            for k in keys {
                let (e, d) = self.param(&d.hash[k], (1, 1))?;
                deps.add(&d);
                params.push((k.clone(), d));
                hash.push((k.as_str().into(), e));
            }
            let has_locals = self.scopes.last().is_some_and(|s| s.has_locals);
            self.scopes.push(Scope { origin, params, has_locals });
            self.partials.push(name.clone());
            let body = self.fragment(partial);
            self.partials.pop();
            self.scopes.pop();
            let body = body?;
            deps.add(&body.deps);
            Ok((Node::Partial { context, hash, body: Box::new(body) }, deps))
        })();
        // A partial that does not compile here (e.g. an unknown helper) still errors the
        // same way handlebars would, at render time.
        inlined.unwrap_or_else(|_| fallback(element, Deps::All))
    }

    /// Params and sorted hash of a helper call, with their dependencies.
    #[allow(clippy::type_complexity)] // a private tuple read right at the call sites
    fn args(
        &mut self,
        h: &HelperTemplate,
        pos: (usize, usize),
    ) -> Result<(Vec<Expr>, Vec<(Box<str>, Expr)>, Deps), TemplateError> {
        let mut deps = Deps::none();
        let mut params = Vec::new();
        for p in &h.params {
            let (e, d) = self.param(p, pos)?;
            deps.add(&d);
            params.push(e);
        }
        let mut keys: Vec<&String> = h.hash.keys().collect();
        keys.sort();
        let mut hash = Vec::new();
        for k in keys {
            let (e, d) = self.param(&h.hash[k], pos)?;
            deps.add(&d);
            hash.push((k.as_str().into(), e));
        }
        Ok((params, hash, deps))
    }

    fn param(&mut self, p: &Parameter, pos: (usize, usize)) -> Result<(Expr, Deps), TemplateError> {
        match p {
            Parameter::Path(path) => {
                let path = path_expr(path);
                let deps = self.path_deps(&path);
                Ok((Expr::Path(path), deps))
            }
            Parameter::Literal(v) => Ok((Expr::Literal(v.clone()), Deps::none())),
            Parameter::Subexpression(sub) => {
                let E::Expression(h) = sub.as_element() else {
                    return Ok((Expr::User(Box::new(p.clone())), Deps::All));
                };
                let name = h.name.as_name().unwrap_or_default().to_owned();
                match Builtin::from_name(&name).filter(|_| !self.is_user(&name)) {
                    Some(op) => {
                        let (params, _, deps) = self.args(h, pos)?;
                        Ok((Expr::Builtin { op, params }, deps))
                    }
                    None if self.has_helper(&name) => {
                        let (_, _, deps) = self.args(h, pos)?;
                        Ok((
                            Expr::User(Box::new(p.clone())),
                            if deps.is_empty() { Deps::All } else { deps },
                        ))
                    }
                    None => Err(TemplateError::new(
                        self.file,
                        pos,
                        TemplateErrorKind::UnknownHelper(name),
                    )),
                }
            }
            Parameter::Name(n) => {
                let path = path_expr(&Path::parse(n).map_err(|e| self.syntax(pos, e.to_string()))?);
                let deps = self.path_deps(&path);
                Ok((Expr::Path(path), deps))
            }
            _ => Ok((Expr::User(Box::new(p.clone())), Deps::All)),
        }
    }

    /// The origin of a block whose `this` is `p`: a bare `this` keeps the current one.
    fn origin_of(&self, p: &Parameter, deps: &Deps) -> Origin {
        if let Parameter::Path(path) = p {
            if let PathExpr::Relative { ups: 0, root: false, named, .. } = path_expr(path) {
                if named.is_empty() {
                    return self.scopes.last().map_or(Origin::Root, |s| s.origin.clone());
                }
            }
        }
        Origin::Derived(deps.clone())
    }

    /// The root keys a path reads, mirroring how handlebars resolves it.
    fn path_deps(&self, path: &PathExpr) -> Deps {
        match path {
            PathExpr::Local { level, .. } => {
                let Some(at) = self.scopes.len().checked_sub(level + 1) else {
                    return Deps::none();
                };
                let mut deps = Deps::none();
                for s in &self.scopes[..=at] {
                    if let Origin::Derived(d) = &s.origin {
                        deps.add(d);
                    }
                }
                deps
            }
            PathExpr::Relative { ups, root, first, named } => {
                if let Some(first) = first {
                    for s in self.scopes.iter().rev() {
                        if let Some((_, d)) = s.params.iter().find(|(n, _)| n.as_str() == &**first)
                        {
                            return d.clone();
                        }
                    }
                }
                let origin = if *root {
                    &Origin::Root
                } else {
                    let top = self.scopes.len() - 1;
                    let at = top.checked_sub(*ups).unwrap_or(top);
                    &self.scopes[at].origin
                };
                match origin {
                    Origin::Root => named.first().map_or(Deps::All, |k| Deps::key(k)),
                    Origin::Derived(d) => d.clone(),
                }
            }
        }
    }

    fn syntax(&self, pos: (usize, usize), message: String) -> TemplateError {
        TemplateError::new(self.file, pos, TemplateErrorKind::Syntax(message))
    }
}

fn fallback(element: &E, deps: Deps) -> (Node, Deps) {
    (Node::Fallback(Box::new(element.clone())), deps)
}

fn block_param_names(h: &HelperTemplate) -> (Option<String>, Option<String>) {
    match &h.block_param {
        Some(BlockParam::Single(p)) => (p.as_name().map(str::to_owned), None),
        Some(BlockParam::Pair((a, b))) => {
            (a.as_name().map(str::to_owned), b.as_name().map(str::to_owned))
        }
        _ => (None, None),
    }
}

fn p_raw(p: &Path) -> String {
    match p {
        Path::Relative((_, raw)) | Path::Local((_, _, raw)) => raw.clone(),
    }
}

/// Handlebars' `Rule` is not nameable outside the crate; its `Debug` is the rule's name.
fn rule_name(seg: &PathSeg) -> Option<String> {
    match seg {
        PathSeg::Ruled(rule) => Some(format!("{rule:?}")),
        _ => None,
    }
}

fn path_expr(p: &Path) -> PathExpr {
    match p {
        Path::Local((level, name, _)) => {
            PathExpr::Local { level: *level, name: name.as_str().into() }
        }
        Path::Relative((segs, _)) => {
            let (mut ups, mut root, mut first) = (0, false, None);
            for seg in segs {
                match (seg, rule_name(seg).as_deref()) {
                    (PathSeg::Named(n), _) => {
                        first = Some(n.as_str().into());
                        break;
                    }
                    (_, Some("path_up")) => ups += 1,
                    (_, Some("path_root")) => {
                        root = true;
                        break;
                    }
                    _ => break,
                }
            }
            let named = segs
                .iter()
                .filter_map(|s| match s {
                    PathSeg::Named(n) => Some(n.as_str().into()),
                    _ => None,
                })
                .collect();
            PathExpr::Relative { ups, root, first, named }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::node::{Deps, Node};
    use crate::registry::TemplateRegistry;

    fn keys(list: &[&str]) -> Deps {
        let mut deps = Deps::none();
        list.iter().for_each(|k| deps.add(&Deps::key(k)));
        deps
    }

    /// The dependencies of each top-level slot of `source`.
    fn deps(source: &str) -> Vec<Deps> {
        let mut registry = TemplateRegistry::new();
        registry.register_partial("card", "{{name}}{{@root.site}}{{../up}}").unwrap();
        registry.register_helper(
            "shout",
            |_: &handlebars::Helper<'_>,
             _: &handlebars::Handlebars<'_>,
             _: &handlebars::Context,
             _: &mut handlebars::RenderContext<'_, '_>,
             _: &mut dyn handlebars::Output| Ok(()),
        );
        let template = registry.compile("t", source).unwrap();
        template.root_fragment().slots.iter().map(|s| s.deps.clone()).collect()
    }

    #[test]
    fn paths_read_their_first_segment() {
        assert_eq!(
            deps("{{a.b.c}}{{{d}}}{{@root.e}}{{this.f}}{{this}}"),
            vec![keys(&["a"]), keys(&["d"]), keys(&["e"]), keys(&["f"]), Deps::All]
        );
    }

    #[test]
    fn blocks_map_inner_paths_to_root_keys() {
        assert_eq!(
            deps("{{#with user}}{{name}}{{../title}}{{/with}}"),
            vec![keys(&["user", "title"])]
        );
        assert_eq!(
            deps("{{#each rows as |r i|}}{{r.x}}{{i}}{{@index}}{{../t}}{{/each}}"),
            vec![keys(&["rows", "t"])]
        );
        assert_eq!(deps("{{#if a}}{{b}}{{else}}{{c}}{{/if}}"), vec![keys(&["a", "b", "c"])]);
        assert_eq!(deps("{{> card user up=x}}"), vec![keys(&["user", "site", "x"])]);
        assert_eq!(deps("{{> card}}"), vec![keys(&["name", "site", "up"])]);
    }

    #[test]
    fn helpers_read_their_arguments_or_everything() {
        assert_eq!(
            deps("{{eq a (len b)}}{{shout c}}{{shout}}{{#shout}}{{d}}{{/shout}}"),
            vec![keys(&["a", "b"]), keys(&["c"]), Deps::All, Deps::All]
        );
        assert_eq!(
            deps("{{csrf_meta}}{{live_patch t to=u}}"),
            vec![keys(&["csrf_token"]), keys(&["t", "u"])]
        );
    }

    #[test]
    fn inline_partials_render_the_whole_template() {
        let registry = TemplateRegistry::new();
        let template = registry.compile("t", "{{#*inline \"p\"}}x{{/inline}}{{> p}}").unwrap();
        assert!(matches!(template.root_fragment().slots[0].node, Node::Whole(_)));
    }
}
