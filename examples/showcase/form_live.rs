//! `/form`: validation while typing (`phx-change`), errors hidden until a field was touched
//! (`phx-feedback-for`), `phx-submit` with `phx-disable-with`, `phx-auto-recover` after a
//! reconnect, and `phx-trigger-action` handing the form to a plain HTTP route.

use std::time::Duration;

use liveview::{LiveView, MountParams, Session, Socket, Template, ViewResult};
use serde_json::{Value, json};

use super::params;

/// A sign-up form.
pub struct FormLive;

/// The `user[...]` fields of a form event, as `{"name", "email", "http"}`.
fn user_fields(params: &Value) -> Value {
    let user = params.get("user").cloned().unwrap_or(Value::Null);
    json!({
        "name": params::text(&user, "name"),
        "email": params::text(&user, "email"),
        "http": params::text(&user, "http") == "on",
    })
}

/// Error messages by field (empty string when the field is valid).
fn validate(user: &Value) -> (Value, bool) {
    let name = params::text(user, "name").trim();
    let email = params::text(user, "email").trim();
    let name_error = if name.is_empty() {
        "can't be blank"
    } else if name.chars().count() < 2 {
        "should be at least 2 characters"
    } else {
        ""
    };
    let email_error = if email.is_empty() {
        "can't be blank"
    } else if !email.contains('@') {
        "must have the @ sign"
    } else {
        ""
    };
    let valid = name_error.is_empty() && email_error.is_empty();
    (json!({"name": name_error, "email": email_error}), valid)
}

impl LiveView for FormLive {
    fn mount(_params: &MountParams, _session: &Session, socket: &mut Socket) -> ViewResult<Self> {
        let user = json!({"name": "", "email": "", "http": false});
        let (errors, _) = validate(&user);
        socket.assign("user", user)?;
        socket.assign("errors", errors)?;
        socket.assign("saved", Value::Null)?;
        socket.assign("recovered", false)?;
        socket.assign("trigger_action", false)?;
        socket.assign("validations", 0)?;
        socket.set_page_title("Form");
        Ok(FormLive)
    }

    fn template() -> Option<&'static dyn Template> {
        Some(liveview_templates::template!("form_live.html.hbs"))
    }

    fn handle_event(&mut self, event: &str, params: Value, socket: &mut Socket) -> ViewResult {
        let user = user_fields(&params);
        let (errors, valid) = validate(&user);
        match event {
            "validate" => {
                socket.update("validations", |n: i64| n + 1)?;
            }
            "save" => {
                // Long enough for the browser to show phx-disable-with; only this view's
                // thread waits.
                std::thread::sleep(Duration::from_millis(400));
                if valid {
                    socket.assign("saved", params::text(&user, "name"))?;
                    socket.put_flash("info", "Saved!");
                    // Checked box: let the browser post the same form to /form/echo.
                    let http = user.get("http").and_then(Value::as_bool).unwrap_or(false);
                    socket.assign("trigger_action", http)?;
                }
            }
            // phx-auto-recover="recover": the client sends the form's values after a reconnect.
            "recover" => {
                socket.assign("recovered", true)?;
            }
            _ => return Err(params::unknown_event("form", event)),
        }
        socket.assign("user", user)?;
        socket.assign("errors", errors)?;
        Ok(())
    }
}
