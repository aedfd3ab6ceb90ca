//! Two adapters on one Redis are two nodes.

use liveview_core::PubSub;
use liveview_redis::{RedisConfig, RedisError, RedisPubSub, RedisStatus};
use serde_json::json;

use super::support::*;

fn node(server: &RedisServer, name: &str) -> RedisPubSub {
    let pubsub = RedisPubSub::new(RedisConfig::new(server.url()).node_id(name)).expect("adapter");
    assert!(pubsub.wait_connected(TIMEOUT), "{name} connects: {}", pubsub.status());
    pubsub
}

#[test]
fn broadcasts_reach_subscribers_on_both_nodes_exactly_once() {
    let Some(server) = RedisServer::start() else { return };
    let (a, b) = (node(&server, "a"), node(&server, "b"));
    let (sub_a, rx_a) = mailbox();
    let (sub_b, rx_b) = mailbox();
    let (other_b, rx_other) = mailbox();
    a.subscribe("room:1", sub_a);
    b.subscribe("room:1", sub_b);
    b.subscribe("room:2", other_b);
    assert!(a.wait_listening("room:1", TIMEOUT) && b.wait_listening("room:1", TIMEOUT));

    assert_eq!(a.broadcast("room:1", "msg", json!({"body": "from a"})), 1, "one local subscriber");
    for rx in [&rx_b, &rx_a] {
        let got = next_broadcast(rx);
        assert_eq!((got.topic.as_str(), got.event.as_str()), ("room:1", "msg"));
        assert_eq!(got.payload, json!({"body": "from a"}));
    }
    b.broadcast("room:1", "msg", json!({"body": "from b"}));
    assert_eq!(next_broadcast(&rx_a).payload["body"], "from b");
    assert_eq!(next_broadcast(&rx_b).payload["body"], "from b");

    // A marker sent after them: anything duplicated or misrouted would arrive before it.
    a.broadcast("room:1", "marker", json!(null));
    a.broadcast("room:2", "marker", json!(null));
    assert_eq!(next_broadcast(&rx_a).event, "marker", "a got its own broadcast once");
    assert_eq!(next_broadcast(&rx_b).event, "marker", "b got each broadcast once");
    let other = next_broadcast(&rx_other);
    assert_eq!((other.topic.as_str(), other.event.as_str()), ("room:2", "marker"));
}

#[test]
fn unsubscribed_topics_stop_arriving() {
    let Some(server) = RedisServer::start() else { return };
    let (a, b) = (node(&server, "a"), node(&server, "b"));
    let (sub, rx) = mailbox();
    let id = sub.id();
    b.subscribe("t1", sub.clone());
    b.subscribe("t2", sub);
    assert!(b.wait_listening("t1", TIMEOUT) && b.wait_listening("t2", TIMEOUT));
    b.unsubscribe("t1", id);
    wait_until("b drops t1 from Redis", || !b.is_listening("t1"));
    a.broadcast("t1", "lost", json!(1));
    a.broadcast("t2", "kept", json!(2));
    assert_eq!(next_broadcast(&rx).event, "kept");
    b.unsubscribe_all(id);
    wait_until("b drops t2 from Redis", || !b.is_listening("t2"));
    assert_eq!(b.subscriber_count("t2"), 0);
}

#[test]
fn reconnects_after_a_redis_restart_and_resubscribes() {
    let Some(mut server) = RedisServer::start() else { return };
    let (a, b) = (node(&server, "a"), node(&server, "b"));
    let (sub, rx) = mailbox();
    b.subscribe("room", sub);
    assert!(b.wait_listening("room", TIMEOUT));

    server.stop();
    wait_until("both nodes notice", || {
        matches!(a.status(), RedisStatus::Reconnecting { .. })
            && matches!(b.status(), RedisStatus::Reconnecting { .. })
    });
    assert!(!b.is_listening("room"));
    // Local delivery goes on without Redis.
    let (local, rx_local) = mailbox();
    a.subscribe("here", local);
    assert_eq!(a.broadcast("here", "still", json!(null)), 1);
    assert_eq!(next_broadcast(&rx_local).event, "still");

    server.restart();
    assert!(a.wait_connected(TIMEOUT), "a is back: {}", a.status());
    assert!(b.wait_connected(TIMEOUT), "b is back: {}", b.status());
    assert!(b.wait_listening("room", TIMEOUT), "b subscribed to its topics again");
    a.broadcast("room", "after", json!({"n": 1}));
    let got = next_broadcast(&rx);
    assert_eq!((got.event.as_str(), got.payload.clone()), ("after", json!({"n": 1})));
}

#[test]
fn starts_while_redis_is_down_and_connects_when_it_comes_up() {
    let Some(mut server) = RedisServer::start() else { return };
    server.stop();
    let pubsub = RedisPubSub::new(RedisConfig::new(server.url())).unwrap();
    wait_until(
        "a failed attempt is reported",
        || matches!(pubsub.status(), RedisStatus::Reconnecting { attempt, .. } if attempt >= 1),
    );
    assert!(pubsub.status().to_string().contains("retrying in"));
    server.restart();
    assert!(pubsub.wait_connected(TIMEOUT), "connected: {}", pubsub.status());
}

#[test]
fn separate_prefixes_do_not_hear_each_other() {
    let Some(server) = RedisServer::start() else { return };
    let shop = RedisPubSub::new(RedisConfig::new(server.url()).prefix("shop")).unwrap();
    let blog = RedisPubSub::new(RedisConfig::new(server.url()).prefix("blog")).unwrap();
    let blog_too = RedisPubSub::new(RedisConfig::new(server.url()).prefix("blog")).unwrap();
    let (sub, rx) = mailbox();
    blog.subscribe("news", sub);
    assert!(shop.wait_connected(TIMEOUT) && blog_too.wait_connected(TIMEOUT));
    assert!(blog.wait_listening("news", TIMEOUT));
    shop.broadcast("news", "shop", json!(null));
    blog_too.broadcast("news", "blog", json!(null));
    assert_eq!(next_broadcast(&rx).event, "blog", "the shop's broadcast stayed in the shop");
}

#[test]
fn dropping_the_adapter_stops_its_thread() {
    let Some(server) = RedisServer::start() else { return };
    let pubsub = node(&server, "short-lived");
    drop(pubsub); // joins the thread; a hang here would time the test out
    for url in ["http://nope", "rediss://127.0.0.1:6380/", "not a url"] {
        let err = RedisPubSub::new(RedisConfig::new(url)).unwrap_err();
        assert!(matches!(err, RedisError::InvalidUrl { .. }), "{url}: {err}");
    }
    let err = RedisPubSub::new(RedisConfig::new(server.url()).prefix("a b")).unwrap_err();
    assert!(matches!(err, RedisError::InvalidPrefix { .. }), "{err}");
}

#[test]
fn foreign_messages_on_a_channel_are_ignored() {
    let Some(server) = RedisServer::start() else { return };
    let (a, b) = (node(&server, "a"), node(&server, "b"));
    let (sub, rx) = mailbox();
    b.subscribe("room", sub);
    assert!(b.wait_listening("room", TIMEOUT));
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_connection_with_timeout(TIMEOUT).unwrap();
    for garbage in ["not json", "{\"node\":\"x\"}", "[1,2,3]"] {
        redis::cmd("PUBLISH").arg("liveview:room").arg(garbage).query::<i64>(&mut con).unwrap();
    }
    a.broadcast("room", "real", json!(1));
    assert_eq!(next_broadcast(&rx).event, "real", "garbage was skipped, the link survived");
    assert!(b.status().is_connected());
}

#[test]
fn an_idle_link_is_kept_alive_with_pings() {
    let Some(server) = RedisServer::start() else { return };
    let (a, b) = (node(&server, "a"), node(&server, "b"));
    let (sub, rx) = mailbox();
    b.subscribe("quiet", sub);
    assert!(b.wait_listening("quiet", TIMEOUT));
    // Quiet for longer than PING_EVERY: the subscriber PINGs, and must stay subscribed.
    std::thread::sleep(liveview_redis::PING_EVERY * 2 + std::time::Duration::from_millis(500));
    assert!(b.status().is_connected(), "{}", b.status());
    assert!(b.is_listening("quiet"));
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_connection_with_timeout(TIMEOUT).unwrap();
    let stats: String = redis::cmd("INFO").arg("commandstats").query(&mut con).unwrap();
    assert!(stats.contains("cmdstat_ping"), "the idle subscribers pinged: {stats}");
    a.broadcast("quiet", "still-here", json!(null));
    assert_eq!(next_broadcast(&rx).event, "still-here");
}
