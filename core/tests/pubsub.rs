//! PubSub: the in-process default, and broadcasts delivered to views' `handle_info`.

mod support;

use liveview_core::{
    Assigns, Broadcast, DeliveryError, LiveView, LocalPubSub, Message, MountParams, PubSub,
    Rendered, RuntimeConfig, Session, Socket, Subscriber, SubscriberId, Template, ViewDef,
    ViewInput, ViewResult,
};
use serde_json::{Value, json};
use support::*;

#[test]
fn local_pubsub_delivers_to_subscribers_of_the_topic() {
    let pubsub = LocalPubSub::new();
    let (tx_a, rx_a) = crossbeam_channel::bounded(4);
    let (tx_b, rx_b) = crossbeam_channel::bounded(4);
    let (a, b) = (SubscriberId::next(), SubscriberId::next());
    pubsub.subscribe("room:1", Subscriber::new(a, tx_a.clone()));
    pubsub.subscribe("room:1", Subscriber::new(a, tx_a)); // twice is once
    pubsub.subscribe("room:1", Subscriber::new(b, tx_b.clone()));
    pubsub.subscribe("room:2", Subscriber::new(b, tx_b));
    assert_eq!(pubsub.subscriber_count("room:1"), 2);
    assert_eq!(pubsub.broadcast("room:1", "msg", json!({"n": 1})), 2);
    for rx in [&rx_a, &rx_b] {
        let Ok(ViewInput::Info(message)) = rx.try_recv() else { panic!("no broadcast") };
        let broadcast = message.downcast::<Broadcast>().unwrap();
        assert_eq!(
            broadcast,
            Broadcast { topic: "room:1".into(), event: "msg".into(), payload: json!({"n": 1}) }
        );
    }
    assert!(rx_a.try_recv().is_err(), "subscribed twice, delivered once");
    pubsub.unsubscribe("room:1", a);
    assert_eq!(pubsub.broadcast("room:1", "msg", json!(null)), 1);
    pubsub.unsubscribe_all(b);
    assert_eq!(pubsub.broadcast("room:1", "msg", json!(null)), 0);
    assert_eq!(pubsub.broadcast("room:2", "msg", json!(null)), 0);
    assert_eq!(pubsub.broadcast("nobody", "msg", json!(null)), 0);
}

#[test]
fn full_mailboxes_drop_and_ended_subscribers_are_removed() {
    let pubsub = LocalPubSub::new();
    let (tx, rx) = crossbeam_channel::bounded(1);
    let id = SubscriberId::next();
    let subscriber = Subscriber::new(id, tx);
    assert_eq!(
        subscriber.deliver(Broadcast { topic: "t".into(), event: "e".into(), payload: json!(1) }),
        Ok(())
    );
    assert_eq!(
        subscriber.deliver(Broadcast { topic: "t".into(), event: "e".into(), payload: json!(2) }),
        Err(DeliveryError::Full)
    );
    pubsub.subscribe("t", subscriber);
    assert_eq!(
        pubsub.broadcast("t", "e", json!(3)),
        0,
        "the publisher never blocks on a full mailbox"
    );
    drop(rx);
    assert_eq!(pubsub.broadcast("t", "e", json!(4)), 0);
    assert_eq!(pubsub.subscriber_count("t"), 0, "ended subscribers are removed");
}

/// Subscribes to `room` when connected; shows the last broadcast.
struct Room;

fn room_template(a: &Assigns) -> Rendered {
    node(&["<p>", "</p>"], vec![slot(a, "last")])
}
static ROOM: Tpl = Tpl(room_template);

impl LiveView for Room {
    fn mount(_: &MountParams, _: &Session, socket: &mut Socket) -> ViewResult<Self> {
        if socket.is_connected() {
            socket.subscribe("room");
        }
        socket.assign("last", "")?;
        Ok(Room)
    }
    fn template() -> Option<&'static dyn Template> {
        Some(&ROOM)
    }
    fn handle_event(&mut self, event: &str, _: Value, socket: &mut Socket) -> ViewResult {
        if event == "leave_room" {
            socket.unsubscribe("room");
        }
        Ok(())
    }
    fn handle_info(&mut self, message: Message, socket: &mut Socket) -> ViewResult {
        if let Ok(broadcast) = message.downcast::<Broadcast>() {
            socket.assign(
                "last",
                format!(
                    "{}: {}",
                    broadcast.event,
                    broadcast.payload["text"].as_str().unwrap_or("")
                ),
            )?;
        }
        Ok(())
    }
}

#[test]
fn views_receive_broadcasts_until_they_unsubscribe_or_end() {
    let rt = runtime_with(RuntimeConfig::default(), vec![ViewDef::new::<Room>("Room")], vec![]);
    let (transport, frames) = transport();
    let alice = rt.spawn(join(&rt, "Room", "phx-alice", transport.clone())).unwrap();
    let mut alice_client = Client::default();
    alice_client.merge(&next_reply(&frames, "ok")["rendered"]);
    let bob = rt.spawn(join(&rt, "Room", "phx-bob", transport)).unwrap();
    next_reply(&frames, "ok");

    assert_eq!(rt.pubsub().broadcast("room", "said", json!({"text": "hello"})), 2);
    let mut topics = Vec::new();
    for _ in 0..2 {
        let frame = next_frame(&frames);
        assert_eq!(frame.event, "diff");
        if frame.topic == "lv:phx-alice" {
            alice_client.merge(&frame.payload);
        }
        topics.push(frame.topic);
    }
    topics.sort();
    assert_eq!(topics, ["lv:phx-alice", "lv:phx-bob"]);
    assert_eq!(alice_client.html(), "<p>said: hello</p>");

    bob.send(click("phx-bob", "2", "leave_room", json!({}))).unwrap();
    next_reply(&frames, "ok");
    assert_eq!(rt.pubsub().broadcast("room", "said", json!({"text": "again"})), 1);
    assert_eq!(next_frame(&frames).topic, "lv:phx-alice");

    alice.send(ViewInput::Shutdown).unwrap();
    eventually("alice to end", || !alice.is_alive());
    assert_eq!(
        rt.pubsub().broadcast("room", "said", json!({"text": "gone"})),
        0,
        "an ended view is unsubscribed"
    );
    bob.send(ViewInput::Shutdown).unwrap();
}
