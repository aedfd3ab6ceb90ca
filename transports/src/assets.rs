//! The JS client, served from the npm-installed packages (never vendored), and our two small
//! scripts embedded in the binary.
//!
//! | URL | file |
//! |---|---|
//! | `/assets/phoenix/<file>` | `<assets_dir>/phoenix/priv/static/<file>` |
//! | `/assets/phoenix_live_view/<file>` | `<assets_dir>/phoenix_live_view/priv/static/<file>` |
//! | `/assets/liveview/compat.js`, `/assets/liveview/app.js` | embedded |
//!
//! `<file>` is any `.js`, `.mjs` or `.map` file of that folder (`phoenix.min.js`,
//! `phoenix_live_view.esm.js`, ...). Files are read once and kept in memory; responses carry an
//! `ETag` and `cache-control: public, max-age=0, must-revalidate`, so browsers revalidate
//! cheaply (`304`) and never run a stale client after an upgrade of the server.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use liveview_core::{HttpRequest, HttpResponse};
use parking_lot::Mutex;

const COMPAT_JS: &str = include_str!("../assets/compat.js");
const APP_JS: &str = include_str!("../assets/app.js");
const CACHE_CONTROL: &str = "public, max-age=0, must-revalidate";

/// One asset in memory.
#[derive(Debug)]
struct Asset {
    body: Vec<u8>,
    etag: String,
    content_type: &'static str,
}

impl Asset {
    fn new(body: Vec<u8>, name: &str) -> Asset {
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        let etag = format!("\"{:016x}-{:x}\"", hasher.finish(), body.len());
        Asset { body, etag, content_type: content_type(name) }
    }

    fn respond(&self, request: &HttpRequest) -> HttpResponse {
        let fresh = request.header("if-none-match").is_some_and(|tags| {
            tags.split(',').any(|tag| tag.trim().trim_start_matches("W/") == self.etag)
        });
        let response = if fresh {
            HttpResponse { status: 304, headers: Vec::new(), body: Vec::new() }
        } else {
            HttpResponse::new(200, self.content_type, self.body.clone())
        };
        response.with_header("etag", self.etag.clone()).with_header("cache-control", CACHE_CONTROL)
    }
}

/// The asset routes and their in-memory cache.
#[derive(Debug)]
pub(crate) struct Assets {
    dir: PathBuf,
    cache: Mutex<HashMap<PathBuf, Arc<Asset>>>,
    embedded: [(&'static str, Asset); 2],
}

impl Assets {
    pub(crate) fn new(dir: PathBuf) -> Assets {
        let embedded = [
            ("/assets/liveview/compat.js", Asset::new(COMPAT_JS.as_bytes().to_vec(), "compat.js")),
            ("/assets/liveview/app.js", Asset::new(APP_JS.as_bytes().to_vec(), "app.js")),
        ];
        Assets { dir, cache: Mutex::new(HashMap::new()), embedded }
    }

    /// The response for an asset URL, `None` when the path is not one of ours.
    pub(crate) fn serve(&self, request: &HttpRequest) -> Option<HttpResponse> {
        if request.method != "GET" && request.method != "HEAD" {
            return None;
        }
        let path = request.path.as_str();
        if let Some((_, asset)) = self.embedded.iter().find(|(url, _)| *url == path) {
            return Some(asset.respond(request));
        }
        let (package, file) = path.strip_prefix("/assets/")?.split_once('/')?;
        if package != "phoenix" && package != "phoenix_live_view" {
            return None;
        }
        if !valid_file_name(file) {
            return Some(not_found(&format!("no asset {path}")));
        }
        let disk = self.dir.join(package).join("priv").join("static").join(file);
        match self.load(&disk, file) {
            Some(asset) => Some(asset.respond(request)),
            None => Some(not_found(&format!(
                "{} not found: run `npm install` (phoenix, phoenix_live_view) or set \
                 LIVEVIEW_NODE_MODULES / ServerConfig::assets_dir",
                disk.display()
            ))),
        }
    }

    fn load(&self, disk: &Path, name: &str) -> Option<Arc<Asset>> {
        if let Some(asset) = self.cache.lock().get(disk) {
            return Some(asset.clone());
        }
        let body = std::fs::read(disk).ok()?;
        let asset = Arc::new(Asset::new(body, name));
        self.cache.lock().insert(disk.to_path_buf(), asset.clone());
        Some(asset)
    }
}

/// Only plain file names of the client's build outputs: nothing that could leave the folder.
fn valid_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
        && [".js", ".mjs", ".map"].iter().any(|ext| name.ends_with(ext))
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".map") { "application/json" } else { "text/javascript; charset=utf-8" }
}

fn not_found(message: &str) -> HttpResponse {
    HttpResponse::new(404, "text/plain; charset=utf-8", message.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> HttpRequest {
        HttpRequest { method: "GET".into(), path: path.into(), ..HttpRequest::default() }
    }

    #[test]
    fn serves_npm_files_and_revalidates() {
        let dir = std::env::temp_dir().join(format!("lv-assets-{}", std::process::id()));
        let static_dir = dir.join("phoenix").join("priv").join("static");
        std::fs::create_dir_all(&static_dir).unwrap();
        std::fs::write(static_dir.join("phoenix.min.js"), "var Phoenix={}").unwrap();
        let assets = Assets::new(dir.clone());

        let first = assets.serve(&get("/assets/phoenix/phoenix.min.js")).unwrap();
        assert_eq!(first.status, 200);
        assert_eq!(first.body, b"var Phoenix={}");
        let etag = first.headers.iter().find(|(k, _)| k == "etag").unwrap().1.clone();

        let mut again = get("/assets/phoenix/phoenix.min.js");
        again.headers.push(("if-none-match".into(), etag));
        assert_eq!(assets.serve(&again).unwrap().status, 304);

        assert_eq!(assets.serve(&get("/assets/phoenix/phoenix.js")).unwrap().status, 404);
        assert_eq!(assets.serve(&get("/assets/phoenix/..%2Fsecret.js")).unwrap().status, 404);
        assert_eq!(assets.serve(&get("/assets/phoenix/../../etc/passwd")).unwrap().status, 404);
        assert!(assets.serve(&get("/assets/other/x.js")).is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn serves_embedded_scripts() {
        let assets = Assets::new(PathBuf::from("/nonexistent"));
        let app = assets.serve(&get("/assets/liveview/app.js")).unwrap();
        assert_eq!(app.status, 200);
        assert!(
            app.headers
                .iter()
                .any(|(k, v)| k == "content-type" && v.starts_with("text/javascript"))
        );
        assert_eq!(assets.serve(&get("/assets/liveview/compat.js")).unwrap().status, 200);
    }
}
