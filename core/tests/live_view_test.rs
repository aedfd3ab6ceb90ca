//! The in-process harness (`testing` feature) driving real views: every step kind, navigation,
//! components, children, flash, title and pushed events.
#![cfg(feature = "testing")]

use std::sync::OnceLock;
use std::time::Duration;

use liveview_core::testing::{LiveViewTest, TestError};
use liveview_core::{
    App, Assigns, ChildCall, ComponentCall, Dynamic, Fingerprint, LiveComponent, LiveView, Message,
    MountParams, Params, RenderError, Rendered, Session, Socket, Statics, Template, ViewResult,
};
use serde_json::{Value, json};

/// A tiny template for tests: `{key}` inserts an assign (escaped), `{component:Name:id}` a
/// live component (assigns `n` passed through), `{child:Name:id}` a child view.
struct Mini {
    statics: Statics,
    fingerprint: Fingerprint,
    slots: Vec<String>,
}

impl Mini {
    fn new(source: &str) -> Mini {
        let mut statics = Vec::new();
        let mut slots = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map(|i| open + i).expect("closed slot");
            statics.push(rest[..open].to_owned());
            slots.push(rest[open + 1..close].to_owned());
            rest = &rest[close + 1..];
        }
        statics.push(rest.to_owned());
        let statics = Statics::new(statics);
        let fingerprint = Fingerprint::of_statics(statics.parts());
        Mini { statics, fingerprint, slots }
    }
}

impl Template for Mini {
    fn prepare(&self) -> Result<(), RenderError> {
        Ok(())
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        let dynamics = self
            .slots
            .iter()
            .map(|slot| {
                let parts: Vec<&str> = slot.split(':').collect();
                match parts.as_slice() {
                    ["component", name, id] => {
                        Some(Dynamic::ComponentCall(Box::new(ComponentCall {
                            component: (*name).into(),
                            id: (*id).into(),
                            assigns: [(
                                "n".to_owned(),
                                assigns.get("n").cloned().unwrap_or(json!(0)),
                            )]
                            .into_iter()
                            .collect(),
                        })))
                    }
                    ["child", name, id] => Some(Dynamic::ChildCall(Box::new(ChildCall {
                        view: (*name).into(),
                        id: (*id).into(),
                        session: Params::new(),
                        container: None,
                    }))),
                    [key] if assigns.is_changed(key) => {
                        let text = match assigns.get(key) {
                            Some(Value::String(s)) => s.clone(),
                            Some(other) => other.to_string(),
                            None => String::new(),
                        };
                        Some(Dynamic::escaped(&text))
                    }
                    _ => None,
                }
            })
            .collect();
        Ok(Rendered {
            statics: self.statics.clone(),
            dynamics,
            fingerprint: self.fingerprint,
            root: false,
        })
    }
}

fn mini(cell: &'static OnceLock<Mini>, source: &str) -> &'static dyn Template {
    cell.get_or_init(|| Mini::new(source))
}

struct Page;

impl LiveView for Page {
    fn mount(params: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("count", 0)?;
        socket.assign("page", params.get("page").cloned().unwrap_or(json!("1")))?;
        socket.assign("last", "")?;
        socket.assign("n", 10)?;
        socket.set_page_title("Start");
        Ok(Page)
    }

    fn template() -> Option<&'static dyn Template> {
        static T: OnceLock<Mini> = OnceLock::new();
        Some(mini(
            &T,
            r#"<p id="count">{count}</p><p id="page">{page}</p><p id="last">{last}</p>
<button id="inc" phx-click="inc" phx-value-by="2">+</button>
<input id="key" phx-keyup="key" phx-focus="focused" phx-blur="blurred" value="v">
<form id="f" phx-change="validate" phx-submit="save"><input name="user[name]" value="Jo"><input name="user[email]" value=""></form>
<button id="nav" phx-click="navigate">go</button><button id="ext" phx-click="redirect">out</button>
<button id="patch" phx-click="patch">p</button><button id="flash" phx-click="flash">f</button>
<div id="comp">{component:Counter:c1}</div><div id="kid">{child:Kid:kid}</div>"#,
        ))
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "inc" => {
                let by: i64 = params["by"].as_str().unwrap_or("1").parse()?;
                socket.update("count", |c: i64| c + by)?;
            }
            "key" | "focused" | "blurred" => {
                let key = params.get("key").and_then(Value::as_str).unwrap_or("-");
                socket.assign("last", format!("{event}:{key}"))?;
            }
            "validate" => {
                let target = params["_target"].to_string();
                socket.assign("last", format!("validate {} {target}", params["user"]["name"]))?;
            }
            "save" => {
                socket.assign("last", format!("saved {}", params["user"]["email"]))?;
            }
            "ping" => {
                socket.reply(json!({"pong": params["n"]}))?;
                socket.push_event("pinged", json!({"ok": true}))?;
            }
            "navigate" => socket.push_navigate("/other", false),
            "redirect" => {
                socket.put_flash("info", "bye");
                socket.redirect("/plain");
            }
            "patch" => socket.push_patch("/page?page=7", false),
            "flash" => socket.put_flash("error", "oops"),
            other => return Err(format!("unknown event {other}").into()),
        }
        Ok(())
    }

    fn handle_params(&mut self, params: &Params, _: &str, socket: &mut Socket) -> ViewResult {
        if let Some(page) = params.get("page") {
            socket.assign("page", page.clone())?;
            socket.set_page_title(format!("Page {}", page.as_str().unwrap_or("?")));
        }
        Ok(())
    }

    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if let Some(n) = message.downcast_ref::<i64>() {
            socket.assign("count", *n)?;
        }
        Ok(())
    }
}

struct Counter;

impl LiveComponent for Counter {
    fn mount(socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("clicks", 0)?;
        Ok(Counter)
    }

    fn render(&self, assigns: &Assigns) -> Result<Rendered, RenderError> {
        static T: OnceLock<Mini> = OnceLock::new();
        let mut rendered = mini(
            &T,
            r#"<span class="comp"><b id="clicks">{clicks}</b><button id="cinc" phx-click="cinc" phx-target="{myself}">c</button></span>"#,
        )
        .render(assigns)?;
        rendered.root = true;
        Ok(rendered)
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        if event == "cinc" {
            socket.update("clicks", |c: i64| c + 1)?;
        }
        Ok(())
    }
}

struct Kid;

impl LiveView for Kid {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("k", 0)?;
        Ok(Kid)
    }

    fn template() -> Option<&'static dyn Template> {
        static T: OnceLock<Mini> = OnceLock::new();
        Some(mini(
            &T,
            r#"<b id="kcount">{k}</b><button id="kinc" phx-click="kinc">k</button><button id="kcrash" phx-click="crash">x</button>"#,
        ))
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        match event {
            "kinc" => {
                socket.update("k", |k: i64| k + 1)?;
                Ok(())
            }
            _ => Err("the child crashes on purpose".into()),
        }
    }
}

struct Other;

impl LiveView for Other {
    fn mount(_: &MountParams, _: &Session, _: &mut Socket) -> ViewResult<Self> {
        Ok(Other)
    }

    fn template() -> Option<&'static dyn Template> {
        static T: OnceLock<Mini> = OnceLock::new();
        Some(mini(&T, r#"<p id="other">other</p><p id="flash">{flash}</p>"#))
    }
}

fn app() -> App {
    App::builder()
        .secret_key_base([3u8; 64])
        .signing_salt("harness-salt")
        .live::<Page>("/page")
        .live::<Other>("/other")
        .view::<Kid>("Kid")
        .component::<Counter>("Counter")
        .build()
        .expect("app builds")
}

fn view() -> LiveViewTest {
    LiveViewTest::live(&app(), "/page").expect("mounts")
}

#[test]
fn dead_render_then_connected() {
    let mut view = view();
    assert!(view.dead_html().contains(r#"<p id="count">0</p>"#));
    assert!(view.dead_html().contains("data-phx-main"));
    assert!(view.render().unwrap().contains(r#"<p id="count">0</p>"#));
    assert_eq!(view.title(), Some("Start"));
    assert!(view.is_alive());
}

#[test]
fn click_sends_phx_values() {
    let mut view = view();
    let html = view.element("#inc").click().unwrap();
    assert!(html.contains(r#"<p id="count">2</p>"#), "{html}");
    assert!(view.has_element_with_text("#count", "2"));
    assert!(matches!(view.element("#count").click(), Err(TestError::NoBinding { .. })));
    assert!(matches!(view.element("#missing").click(), Err(TestError::NoElement(_))));
}

#[test]
fn keys_focus_and_blur() {
    let mut view = view();
    view.element("#key").keyup("a").unwrap();
    assert_eq!(view.element("#last").text().unwrap(), "key:a");
    view.element("#key").focus().unwrap();
    assert_eq!(view.element("#last").text().unwrap(), "focused:-");
    view.element("#key").blur().unwrap();
    assert_eq!(view.element("#last").text().unwrap(), "blurred:-");
}

#[test]
fn forms_change_and_submit_like_a_browser() {
    let mut view = view();
    view.form("#f", &[("user[name]", "Ann")]).change().unwrap();
    assert_eq!(view.element("#last").text().unwrap(), r#"validate "Ann" ["user","name"]"#);
    view.form("#f", &[("user[email]", "a@b.c")]).submit().unwrap();
    assert_eq!(view.element("#last").text().unwrap(), r#"saved "a@b.c""#);
}

#[test]
fn hook_events_get_replies_and_push_events() {
    let mut view = view();
    view.render_hook("ping", json!({"n": 5})).unwrap();
    assert_eq!(view.last_reply(), Some(&json!({"pong": 5})));
    assert_eq!(view.take_pushed_events(), vec![("pinged".to_owned(), json!({"ok": true}))]);
}

#[test]
fn patches_run_handle_params() {
    let mut view = view();
    view.element("#patch").click().unwrap();
    assert_eq!(view.take_patch().as_deref(), Some("/page?page=7"));
    assert!(view.has_element_with_text("#page", "7"));
    assert_eq!(view.title(), Some("Page 7"));
    view.render_patch("/page?page=9").unwrap();
    assert!(view.has_element_with_text("#page", "9"));
}

#[test]
fn navigation_comes_back_as_values() {
    let mut view = view();
    let Err(TestError::Redirected(live)) = view.element("#nav").click() else {
        panic!("expected a live redirect")
    };
    assert_eq!((live.to.as_str(), live.live), ("/other", true));
    let mut other = view.follow_redirect(&live).unwrap();
    assert!(other.has_element("#other"));

    let mut view = self::view();
    let Err(TestError::Redirected(full)) = view.element("#ext").click() else {
        panic!("expected a redirect")
    };
    assert_eq!((full.to.as_str(), full.live), ("/plain", false));
    assert_eq!(full.flash.get("info"), Some(&json!("bye")));
}

#[test]
fn flash_reaches_the_next_page() {
    let mut view = view();
    let Err(TestError::Redirected(mut redirect)) = view.element("#ext").click() else { panic!() };
    redirect.to = "/other".into();
    let mut next = view.follow_redirect(&redirect).unwrap();
    assert!(next.element("#flash").text().unwrap().contains("bye"));
}

#[test]
fn send_info_reaches_handle_info() {
    let mut view = view();
    let html = view.send_info(Message::new(41_i64)).unwrap();
    assert!(html.contains(r#"<p id="count">41</p>"#));
}

#[test]
fn components_are_targeted_by_phx_target() {
    let mut view = view();
    assert!(view.has_element_with_text("#clicks", "0"));
    view.element("#cinc").click().unwrap();
    assert!(view.has_element_with_text("#clicks", "1"));
    assert!(view.has_element_with_text("#count", "0"), "the parent is untouched");
}

#[test]
fn children_run_on_their_own_and_crash_alone() {
    let mut view = view();
    assert_eq!(view.live_children(), vec!["kid".to_owned()]);
    let mut kid = view.child("kid").unwrap();
    kid.element("#kinc").click().unwrap();
    assert!(kid.render().unwrap().contains(r#"<b id="kcount">1</b>"#));
    assert!(matches!(kid.element("#kcrash").click(), Err(TestError::ViewDown(_))));
    assert!(!kid.is_alive());
    view.element("#inc").click().unwrap();
    assert!(view.is_alive());
    assert!(view.has_element_with_text("#count", "2"));
}

#[test]
fn timeouts_and_unknown_pages_are_errors() {
    assert!(matches!(LiveViewTest::live(&app(), "/nope"), Err(TestError::Mount(_))));
    let options = liveview_core::testing::LiveOptions {
        timeout: Some(Duration::from_secs(2)),
        ..Default::default()
    };
    assert!(LiveViewTest::live_with(&app(), "/page", options).is_ok());
}
