//! Presence across two nodes on one Redis.

use std::sync::Arc;
use std::time::Duration;

use liveview_core::{LocalPubSub, PubSub};
use liveview_redis::{
    PRESENCE_DIFF, Presence, PresenceConfig, PresenceError, RedisConfig, RedisPubSub,
};
use serde_json::json;

use super::support::*;

const FAST: PresenceConfig =
    PresenceConfig { heartbeat: Duration::from_millis(100), timeout: Duration::from_millis(600) };

fn node(server: &RedisServer, name: &str) -> (Arc<RedisPubSub>, Presence) {
    let pubsub =
        Arc::new(RedisPubSub::new(RedisConfig::new(server.url()).node_id(name)).expect("adapter"));
    assert!(pubsub.wait_connected(TIMEOUT), "{name}: {}", pubsub.status());
    let presence = Presence::new(pubsub.clone(), FAST).expect("presence");
    (pubsub, presence)
}

#[test]
fn joins_and_leaves_reach_views_on_both_nodes() {
    let Some(server) = RedisServer::start() else { return };
    let (pubsub_a, presence_a) = node(&server, "a");
    let (pubsub_b, presence_b) = node(&server, "b");
    wait_until("the nodes see each other", || {
        presence_a.remote_nodes() == 1 && presence_b.remote_nodes() == 1
    });
    let (view_a, rx_a) = mailbox();
    let (view_b, rx_b) = mailbox();
    pubsub_a.subscribe("room:lobby", view_a);
    pubsub_b.subscribe("room:lobby", view_b);

    let ada = presence_a.track("room:lobby", "ada", json!({"name": "Ada"})).unwrap();
    for rx in [&rx_a, &rx_b] {
        let diff = next_event(rx, PRESENCE_DIFF);
        assert_eq!(diff.topic, "room:lobby");
        let metas = &diff.payload["joins"]["ada"]["metas"];
        assert_eq!(metas[0]["name"], "Ada");
        assert_eq!(metas[0]["phx_ref"], ada.phx_ref());
        assert_eq!(diff.payload["leaves"], json!({}));
    }
    let _bob = presence_b.track("room:lobby", "bob", json!({"name": "Bob"})).unwrap();
    assert!(next_event(&rx_a, PRESENCE_DIFF).payload["joins"]["bob"].is_object());
    assert!(next_event(&rx_b, PRESENCE_DIFF).payload["joins"]["bob"].is_object());
    for presence in [&presence_a, &presence_b] {
        let list = presence.list("room:lobby");
        assert_eq!(list["ada"]["metas"][0]["name"], "Ada", "{list}");
        assert_eq!(list["bob"]["metas"][0]["name"], "Bob", "{list}");
    }

    drop(ada); // the view ended
    for rx in [&rx_a, &rx_b] {
        let diff = next_event(rx, PRESENCE_DIFF);
        assert_eq!(diff.payload["joins"], json!({}));
        assert_eq!(diff.payload["leaves"]["ada"]["metas"][0]["name"], "Ada");
    }
    wait_until("b's list no longer has ada", || presence_b.list("room:lobby").get("ada").is_none());
    presence_b.untrack("room:lobby", "bob");
    assert!(next_event(&rx_a, PRESENCE_DIFF).payload["leaves"]["bob"].is_object());
    wait_until("the lobby is empty", || {
        presence_a.list("room:lobby") == json!({}) && presence_b.list("room:lobby") == json!({})
    });
}

#[test]
fn a_dead_nodes_entries_expire() {
    let Some(server) = RedisServer::start() else { return };
    let (pubsub_a, presence_a) = node(&server, "survivor");
    let (view, rx) = mailbox();
    pubsub_a.subscribe("room", view);
    {
        let (_pubsub_b, presence_b) = node(&server, "doomed");
        let tracked = presence_b.track("room", "ghost", json!({})).unwrap();
        assert!(next_event(&rx, PRESENCE_DIFF).payload["joins"]["ghost"].is_object());
        // A crash: nothing untracks, the node just goes silent.
        std::mem::forget(tracked);
    }
    let diff = next_event(&rx, PRESENCE_DIFF);
    assert!(diff.payload["leaves"]["ghost"].is_object(), "{:?}", diff.payload);
    assert_eq!(presence_a.list("room"), json!({}));
    assert_eq!(presence_a.remote_nodes(), 0);
}

#[test]
fn shutdown_leaves_at_once_and_newcomers_learn_the_list() {
    let Some(server) = RedisServer::start() else { return };
    let (_pubsub_a, presence_a) = node(&server, "a");
    let _ada = presence_a.track("room", "ada", json!({"n": 1})).unwrap();
    let (pubsub_b, presence_b) = node(&server, "b");
    wait_until("b learns who is there", || presence_b.list("room").get("ada").is_some());
    let (view, rx) = mailbox();
    pubsub_b.subscribe("room", view);
    presence_a.shutdown();
    let diff = next_event(&rx, PRESENCE_DIFF);
    assert!(diff.payload["leaves"]["ada"].is_object());
    assert_eq!(presence_b.remote_nodes(), 0, "a said goodbye");
}

#[test]
fn works_on_one_node_without_redis_and_rejects_non_object_metas() {
    let pubsub = Arc::new(LocalPubSub::new());
    let presence = Presence::new(pubsub.clone(), FAST).unwrap();
    let (view, rx) = mailbox();
    pubsub.subscribe("room", view);
    let t = presence.track("room", "solo", json!({"at": 1})).unwrap();
    assert_eq!(next_event(&rx, PRESENCE_DIFF).payload["joins"]["solo"]["metas"][0]["at"], 1);
    assert_eq!(presence.list("room")["solo"]["metas"][0]["phx_ref"], t.phx_ref());
    assert_eq!(presence.track("room", "x", json!(5)).unwrap_err(), PresenceError::MetaNotObject);
    drop(t);
    assert!(next_event(&rx, PRESENCE_DIFF).payload["leaves"]["solo"].is_object());
}
