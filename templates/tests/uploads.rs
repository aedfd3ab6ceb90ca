//! Uploads end to end: a handlebars view with `live_file_input`, driven through the real
//! App with LiveViewTest's `upload` (phx-change, preflight, `lvu:` join, binary chunks,
//! progress), then consumed on submit.

use std::sync::OnceLock;

use liveview_core::testing::{LiveViewTest, TestError, UploadFile};
use liveview_core::upload::UploadConfig;
use liveview_core::{App, LiveView, MountParams, Session, Socket, Template, ViewResult};
use liveview_templates::{CompiledTemplate, TemplateRegistry};
use serde_json::Value;

const SOURCE: &str = r#"<form id="f" phx-change="validate" phx-submit="save">{{live_file_input uploads.doc}}<button>Save</button></form>
<ul id="entries">{{#each uploads.doc.entries}}<li id="e-{{ref}}">{{client_name}} {{progress}}%{{#each errors}} <span class="err">{{this}}</span>{{/each}}</li>{{/each}}</ul>
<ul id="upload-errors">{{#each uploads.doc.errors}}<li>{{this.[1]}}</li>{{/each}}</ul>
<p id="saved">{{saved}}</p>"#;

struct Docs;

impl LiveView for Docs {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("saved", "")?;
        socket.allow_upload(
            "doc",
            UploadConfig {
                accept: vec![".txt".into()],
                max_entries: 2,
                max_file_size: 20,
                chunk_size: 4,
                ..UploadConfig::default()
            },
        );
        Ok(Docs)
    }

    fn template() -> Option<&'static dyn Template> {
        static T: OnceLock<CompiledTemplate> = OnceLock::new();
        Some(T.get_or_init(|| TemplateRegistry::new().compile("docs", SOURCE).expect("compiles")))
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        if event == "save" {
            let saved = socket.consume_uploaded_entries("doc", |path, entry| {
                let text = std::fs::read_to_string(path).unwrap_or_else(|e| e.to_string());
                format!("{}={text}", entry.client_name)
            })?;
            socket.assign("saved", saved.join(";"))?;
        }
        Ok(())
    }
}

fn app() -> App {
    App::builder()
        .secret_key_base([5u8; 64])
        .signing_salt("templates-upload-salt")
        .live::<Docs>("/docs")
        .build()
        .expect("app builds")
}

#[test]
fn live_file_input_renders_the_hook_attributes() {
    let view = LiveViewTest::live(&app(), "/docs").expect("mounts");
    let html = view.dead_html();
    assert!(
        html.contains(
            r#"type="file" name="doc" accept=".txt" data-phx-hook="Phoenix.LiveFileUpload""#
        ),
        "{html}"
    );
    assert!(html.contains(r#"data-phx-active-refs="" data-phx-done-refs="" data-phx-preflighted-refs="" multiple>"#), "{html}");
}

#[test]
fn files_upload_in_chunks_and_are_consumed_on_submit() {
    let mut view = LiveViewTest::live(&app(), "/docs").expect("mounts");
    let files = [
        UploadFile::new("a.txt", "text/plain", "hello world"),
        UploadFile::new("b.txt", "text/plain", "second"),
    ];
    let html = view.upload("input[type=file]", "validate", &files).expect("uploads");
    assert!(view.has_element_with_text("#e-0", "a.txt 100%"), "{html}");
    assert!(view.has_element_with_text("#e-1", "b.txt 100%"), "{html}");
    assert!(
        html.contains(
            r#"data-phx-active-refs="0,1" data-phx-done-refs="0,1" data-phx-preflighted-refs="0,1""#
        ),
        "{html}"
    );
    view.form("#f", &[]).submit().expect("submits");
    assert!(view.has_element_with_text("#saved", "a.txt=hello world;b.txt=second"));
    assert!(!view.has_element("#e-0"), "consumed entries are gone");
}

#[test]
fn invalid_entries_get_errors_and_no_token() {
    let mut view = LiveViewTest::live(&app(), "/docs").expect("mounts");
    let files = [
        UploadFile::new("big.txt", "text/plain", vec![b'x'; 21]),
        UploadFile::new("pic.png", "image/png", "png"),
    ];
    match view.upload("input[type=file]", "validate", &files) {
        Err(TestError::ErrorReply(reply)) => {
            assert_eq!(reply["errors"]["0"][0], "too_large", "{reply}");
            assert_eq!(reply["errors"]["1"][0], "not_accepted", "{reply}");
            assert!(reply["entries"].as_object().is_some_and(|e| e.is_empty()), "{reply}");
        }
        other => panic!("expected a preflight with errors, got {other:?}"),
    }
    let html = view.render().unwrap();
    assert!(view.has_element_with_text("#e-0", "too_large"), "{html}");
    assert!(view.has_element_with_text("#e-1", "not_accepted"), "{html}");
    assert!(html.contains(r#"data-phx-error-refs="0,1""#), "{html}");
}

#[test]
fn too_many_files_is_an_upload_error() {
    let mut view = LiveViewTest::live(&app(), "/docs").expect("mounts");
    let files: Vec<UploadFile> =
        (0..3).map(|i| UploadFile::new(&format!("{i}.txt"), "text/plain", "x")).collect();
    match view.upload("input[type=file]", "validate", &files) {
        Err(TestError::ErrorReply(reply)) => {
            assert_eq!(reply["error"][0][1], "too_many_files", "{reply}");
        }
        other => panic!("expected too_many_files, got {other:?}"),
    }
    assert!(view.has_element_with_text("#upload-errors", "too_many_files"));
}

// ----- uploads owned by a LiveComponent (events carry its cid) --------------------------

const COMPONENT: &str = r#"<div id="uploader"><form id="cf" phx-change="validate" phx-submit="save" phx-target="{{myself}}">{{live_file_input uploads.pic}}</form><p id="csaved">{{saved}}</p></div>"#;

struct Uploader;

impl liveview_core::LiveComponent for Uploader {
    fn mount(socket: &mut Socket) -> ViewResult<Self> {
        socket.assign("saved", "")?;
        socket.allow_upload("pic", UploadConfig { chunk_size: 3, ..UploadConfig::default() });
        Ok(Uploader)
    }

    fn template() -> Option<&'static dyn Template> {
        static T: OnceLock<CompiledTemplate> = OnceLock::new();
        Some(T.get_or_init(|| {
            TemplateRegistry::new().compile("uploader", COMPONENT).expect("compiles")
        }))
    }

    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        if event == "save" {
            let saved = socket.consume_uploaded_entries("pic", |path, _| {
                std::fs::read_to_string(path).unwrap_or_default()
            })?;
            socket.assign("saved", saved.join(","))?;
        }
        Ok(())
    }
}

struct Host;

impl LiveView for Host {
    fn mount(_: &MountParams, _: &Session, _: &mut Socket) -> ViewResult<Self> {
        Ok(Host)
    }

    fn template() -> Option<&'static dyn Template> {
        static T: OnceLock<CompiledTemplate> = OnceLock::new();
        Some(T.get_or_init(|| {
            TemplateRegistry::new()
                .compile("host", r#"<main>{{live_component "Uploader" id="up"}}</main>"#)
                .expect("compiles")
        }))
    }
}

#[test]
fn a_component_owns_its_uploads() {
    let app = App::builder()
        .secret_key_base([6u8; 64])
        .signing_salt("templates-upload-salt")
        .live::<Host>("/host")
        .component::<Uploader>("Uploader")
        .build()
        .expect("app builds");
    let mut view = LiveViewTest::live(&app, "/host").expect("mounts");
    let files = [UploadFile::new("p.txt", "text/plain", "component bytes")];
    let html = view.upload("#cf input[type=file]", "validate", &files).expect("uploads");
    assert!(html.contains(r#"data-phx-done-refs="0""#), "{html}");
    view.form("#cf", &[]).submit().expect("submits");
    assert!(view.has_element_with_text("#csaved", "component bytes"));
}
