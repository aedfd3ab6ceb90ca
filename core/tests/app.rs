//! App building and the HTTP side: static render, cookies, flash, app routes, build errors.

mod app_support;

use app_support::*;
use liveview_core::{App, BuildError, Endpoint, HttpRequest, HttpResponse, flash};

fn build_error(builder: liveview_core::AppBuilder) -> BuildError {
    builder.build().expect_err("the build must fail")
}

#[test]
fn signing_salt_is_required() {
    assert_eq!(
        build_error(App::builder().secret_key_base(SECRET).live::<CounterLive>("/")),
        BuildError::MissingSalt
    );
    assert_eq!(
        build_error(App::builder().secret_key_base(SECRET).signing_salt("short")),
        BuildError::WeakSalt
    );
}

#[test]
fn secret_must_be_long_enough() {
    assert_eq!(
        build_error(App::builder().secret_key_base("too short").signing_salt(SALT)),
        BuildError::WeakSecret
    );
}

#[test]
fn secret_from_a_missing_env_var_falls_back_to_a_random_key() {
    let app = App::builder()
        .secret_key_base_from_env("LIVEVIEW_TEST_SECRET_THAT_IS_NOT_SET")
        .signing_salt(SALT)
        .live::<CounterLive>("/")
        .build();
    assert!(app.is_ok());
}

#[test]
fn duplicate_and_invalid_routes_are_refused() {
    let base = || App::builder().secret_key_base(SECRET).signing_salt(SALT);
    assert_eq!(
        build_error(base().live::<CounterLive>("/a/:id").live::<OtherLive>("/a/:slug")),
        BuildError::DuplicateRoute { path: "/a/:slug".into() }
    );
    assert_eq!(
        build_error(
            base().live::<CounterLive>("/health").get("/health", |_| HttpResponse::html("x"))
        ),
        BuildError::DuplicateRoute { path: "/health".into() }
    );
    assert!(matches!(
        build_error(base().live::<CounterLive>("nope")),
        BuildError::InvalidRoute { .. }
    ));
    assert!(
        base().live::<CounterLive>("/x").post("/x", |_| HttpResponse::html("ok")).build().is_ok(),
        "a POST route may share a live route's path"
    );
}

#[test]
fn every_template_is_checked_at_build() {
    let err = build_error(
        App::builder().secret_key_base(SECRET).signing_salt(SALT).live::<BrokenLive>("/b"),
    );
    match err {
        BuildError::Template { view, message } => {
            assert!(view.contains("BrokenLive"), "{view}");
            assert!(message.contains("broken.html.hbs:1:5"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let err = build_error(
        App::builder().secret_key_base(SECRET).signing_salt(SALT).layout("app", &BrokenTpl),
    );
    assert!(matches!(err, BuildError::Template { .. }));
}

#[test]
fn names_and_live_sessions_are_unique() {
    let base = || App::builder().secret_key_base(SECRET).signing_salt(SALT);
    assert_eq!(
        build_error(base().view::<CounterLive>("X").view::<OtherLive>("X")),
        BuildError::DuplicateName { name: "X".into() }
    );
    assert!(base().view::<CounterLive>("X").view::<CounterLive>("X").build().is_ok());
    assert_eq!(
        build_error(
            base()
                .live_session("s", |r| r.live::<CounterLive>("/a"))
                .live_session("s", |r| r.live::<OtherLive>("/b"))
        ),
        BuildError::DuplicateLiveSession { name: "s".into() }
    );
}

#[test]
fn static_render_is_a_full_page() {
    let app = app();
    let response = get(&app, "/counter?start=5", None).expect("live route");
    assert_eq!(response.status, 200);
    let html = String::from_utf8(response.body.clone()).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "default root layout: {html}");
    for script in [
        "/assets/phoenix/phoenix.min.js",
        "/assets/phoenix_live_view/phoenix_live_view.min.js",
        "/assets/liveview/compat.js",
        "/assets/liveview/app.js",
    ] {
        assert!(html.contains(script), "{script} missing");
    }
    assert!(html.contains("<meta name=\"csrf-token\" content=\""));
    assert!(html.contains("<title>Counter of nobody</title>"), "{html}");
    assert!(html.contains("<p>count: 5</p>"), "params reach mount: {html}");
    let container = &html[html.find("<div id=\"phx-").unwrap()..];
    assert!(container.contains("data-phx-main"));
    assert!(!attr(container, "data-phx-session").is_empty());
    assert!(!attr(container, "data-phx-static").is_empty());
    let id = attr(container, "id");
    assert!(
        id.len() > 10
            && id[4..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );

    let cookies = set_cookies(&response);
    let session_cookie =
        cookies.iter().find(|c| c.starts_with("_liveview_key=")).expect("session cookie");
    assert!(
        session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"),
        "{session_cookie}"
    );
}

#[test]
fn every_page_gets_a_fresh_id_and_masked_token_bound_to_the_same_cookie() {
    let app = app();
    let first = page(&app, "/counter");
    let second = get(&app, "/counter", Some(&first.cookie)).unwrap();
    let html = String::from_utf8(second.body.clone()).unwrap();
    assert_ne!(attr(&html[html.find("<div id=").unwrap()..], "id"), first.id);
    let cookie =
        set_cookies(&second).into_iter().find(|c| c.starts_with("_liveview_key=")).unwrap();
    let session_of = |cookie: &str| {
        let pair = cookie.split(';').next().unwrap().to_owned();
        app.session(&HttpRequest {
            headers: vec![("cookie".into(), pair)],
            ..HttpRequest::default()
        })
    };
    assert_eq!(
        session_of(&cookie),
        session_of(&first.cookie),
        "the session (and its CSRF secret) is kept"
    );
    assert!(session_of(&cookie).contains_key("_csrf_token"));
    assert!(!html.contains(&first.csrf), "the page token is masked anew");
}

#[test]
fn route_session_and_path_params_reach_mount() {
    let app = app();
    let page = page(&app, "/info/42?tab=a");
    assert!(page.html.contains("&quot;id&quot;:&quot;42&quot;"), "{}", page.html);
    assert!(page.html.contains("&quot;tab&quot;:&quot;a&quot;"));
    assert!(page.html.contains("&quot;user&quot;:&quot;ada&quot;"), "route session: {}", page.html);
    assert!(page.html.contains("_csrf_token"), "cookie session is merged in: {}", page.html);
}

#[test]
fn mount_redirect_is_a_302_with_the_flash_in_a_cookie() {
    let app = app();
    let response = get(&app, "/redirect", None).unwrap();
    assert_eq!(response.status, 302);
    assert_eq!(
        response.headers.iter().find(|(k, _)| k == "location").map(|(_, v)| v.as_str()),
        Some("/counter")
    );
    let flash_cookie = set_cookies(&response)
        .into_iter()
        .find(|c| c.starts_with(flash::FLASH_COOKIE))
        .expect("flash cookie");
    let pair = flash_cookie.split(';').next().unwrap().to_owned();

    // The next page reads the flash and deletes the cookie.
    let page = get(&app, "/info/1", Some(&pair)).unwrap();
    let html = String::from_utf8(page.body.clone()).unwrap();
    assert!(html.contains("moved"), "flash reaches mount: {html}");
    assert!(
        set_cookies(&page)
            .iter()
            .any(|c| c.starts_with("__phoenix_flash__=;") && c.contains("Max-Age=0"))
    );
}

#[test]
fn tampered_flash_cookie_is_ignored() {
    let app = app();
    let page = get(&app, "/info/1", Some("__phoenix_flash__=garbage.token")).unwrap();
    assert_eq!(page.status, 200);
    assert!(String::from_utf8(page.body).unwrap().contains("&quot;flash&quot;:{}"));
}

#[test]
fn app_routes_and_404() {
    let app = app();
    let health = get(&app, "/health", None).unwrap();
    assert_eq!((health.status, health.body.as_slice()), (200, b"OK".as_slice()));
    assert!(get(&app, "/nope", None).is_none());
    let echo = app
        .handle_http(&HttpRequest {
            method: "POST".into(),
            path: "/echo".into(),
            body: b"hi".to_vec(),
            ..HttpRequest::default()
        })
        .unwrap();
    assert_eq!(echo.body, b"hi");
    let post_live = app.handle_http(&HttpRequest {
        method: "POST".into(),
        path: "/counter".into(),
        ..HttpRequest::default()
    });
    assert!(post_live.is_none(), "live routes answer GET only");
}

#[test]
fn custom_root_layout_gets_title_and_csrf() {
    static LAYOUT: TestRootLayout = TestRootLayout;
    let app = App::builder()
        .secret_key_base(SECRET)
        .signing_salt(SALT)
        .root_layout(&LAYOUT)
        .live::<CounterLive>("/")
        .build()
        .unwrap();
    let page = page(&app, "/");
    assert!(page.html.starts_with("<html><meta name=\"csrf-token\" content=\""));
    assert!(page.html.contains("<title>Counter of nobody</title><div id=\"phx-"), "{}", page.html);
}

#[test]
fn app_session_helpers_keep_the_csrf_secret() {
    let app = app();
    let page = page(&app, "/counter");
    let request = HttpRequest {
        headers: vec![("cookie".into(), page.cookie.clone())],
        ..HttpRequest::default()
    };
    let mut session = app.session(&request);
    assert!(session.contains_key("_csrf_token"));
    session.insert("user".into(), "grace".into());
    let response = app.put_session(&request, HttpResponse::html("ok"), &session);
    let cookie = set_cookies(&response).pop().unwrap();
    let again = HttpRequest {
        headers: vec![("cookie".into(), cookie.split(';').next().unwrap().into())],
        ..HttpRequest::default()
    };
    assert_eq!(app.session(&again)["user"], "grace");
    assert_eq!(app.session(&again)["_csrf_token"], session["_csrf_token"]);
}

#[test]
fn settings_reach_the_config() {
    let app = App::builder()
        .secret_key_base(SECRET)
        .signing_salt(SALT)
        .hibernate_after(std::time::Duration::from_secs(3))
        .max_views(12)
        .check_origin(vec!["example.com".into()])
        .session_cookie("_lv_e2e_key")
        .build()
        .unwrap();
    assert_eq!(app.config().runtime.hibernate_after, std::time::Duration::from_secs(3));
    assert_eq!(app.config().runtime.max_views, 12);
    assert_eq!(app.config().check_origin, ["example.com"]);
    assert_eq!(app.config().session_cookie, "_lv_e2e_key");
    assert_eq!(app.live_views(), 0);
}

#[test]
fn container_tag_and_attributes_come_from_view_options() {
    let app = app();
    let response = get(&app, "/section", None).unwrap();
    let html = String::from_utf8(response.body).unwrap();
    let start = html.find("<section id=\"phx-").expect("section container");
    let open = &html[start..start + html[start..].find('>').unwrap()];
    assert!(open.contains("data-phx-main") && open.contains("class=\"wide\""), "{open}");
    assert!(!open.contains("nope"), "the container id is the server's: {open}");
    assert!(html.contains("<p>count: 1</p></section>"), "{html}");
}

#[test]
fn children_render_statically_inside_the_parent() {
    let app = app();
    let page = page(&app, "/parent");
    let child = &page.html[page.html.find("<div id=\"kid\"").expect("child container")..];
    assert_eq!(
        attr(child, "data-phx-session"),
        "",
        "non-sticky children have no session in the dead render"
    );
    assert!(!attr(child, "data-phx-static").is_empty());
    assert_eq!(attr(child, "data-phx-parent-id"), page.id);
    assert!(
        child.contains("&quot;from&quot;:&quot;parent&quot;"),
        "the child mounted with its session: {child}"
    );
}

#[test]
fn session_cookie_is_secure_behind_an_https_proxy() {
    let app = app();
    let response = app
        .handle_http(&HttpRequest {
            method: "GET".into(),
            path: "/counter".into(),
            headers: vec![
                ("x-forwarded-proto".into(), "https".into()),
                ("host".into(), "example.com".into()),
            ],
            ..HttpRequest::default()
        })
        .unwrap();
    let cookie =
        set_cookies(&response).into_iter().find(|c| c.starts_with("_liveview_key=")).unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
    let plain = get(&app, "/counter", None).unwrap();
    assert!(!set_cookies(&plain).iter().any(|c| c.contains("Secure")));
}

#[test]
fn redirect_replaces_the_flash_cookie_instead_of_deleting_it() {
    let app = app();
    let first = get(&app, "/redirect", None).unwrap();
    let flash_pair = set_cookies(&first)
        .into_iter()
        .find(|c| c.starts_with(flash::FLASH_COOKIE))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let again = get(&app, "/redirect", Some(&flash_pair)).unwrap();
    let flash_cookies: Vec<String> =
        set_cookies(&again).into_iter().filter(|c| c.starts_with(flash::FLASH_COOKIE)).collect();
    assert_eq!(flash_cookies.len(), 1, "{flash_cookies:?}");
    assert!(flash_cookies[0].contains("Max-Age=60"));
}

#[test]
fn live_sessions_carry_a_session_and_a_root_layout() {
    static LAYOUT: TestRootLayout = TestRootLayout;
    let mut shared = liveview_core::Session::new();
    shared.insert("user".into(), "live-session user".into());
    shared.insert("role".into(), "admin".into());
    let mut own = liveview_core::Session::new();
    own.insert("user".into(), "route user".into());
    let app = App::builder()
        .secret_key_base(SECRET)
        .signing_salt(SALT)
        .live::<CounterLive>("/plain")
        .live_session("admin", |routes| {
            routes
                .live::<InfoLive>("/admin/a")
                .live_with_session::<InfoLive>("/admin/b/:id", own)
                .session(shared)
                .root_layout(&LAYOUT)
        })
        .build()
        .unwrap();
    let a = page(&app, "/admin/a");
    assert!(a.html.starts_with("<html><meta"), "the live session's root layout: {}", a.html);
    assert!(a.html.contains("&quot;user&quot;:&quot;live-session user&quot;"), "{}", a.html);
    let b = page(&app, "/admin/b/1");
    assert!(
        b.html.contains("&quot;user&quot;:&quot;route user&quot;"),
        "route session wins: {}",
        b.html
    );
    assert!(b.html.contains("&quot;role&quot;:&quot;admin&quot;"));
    assert!(
        page(&app, "/plain").html.starts_with("<!DOCTYPE html>"),
        "other routes keep the app's layout"
    );

    let err = App::builder()
        .secret_key_base(SECRET)
        .signing_salt(SALT)
        .live_session("s", |routes| routes.root_layout(&BrokenTpl))
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::Template { .. }), "{err}");
}
