"""Counter: `inc` adds one; `broadcast` publishes on the `bench` topic every view subscribes to."""

from dataclasses import dataclass

from pyview import LiveView, LiveViewSocket, is_connected

TOPIC = "bench"


@dataclass
class CounterContext:
    count: int = 0
    ticks: int = 0


class CounterLiveView(LiveView[CounterContext]):
    async def mount(self, socket: LiveViewSocket[CounterContext], session):
        socket.context = CounterContext()
        if is_connected(socket):
            await socket.subscribe(TOPIC)

    async def handle_event(self, event, payload, socket):
        if event == "inc":
            socket.context.count += 1
        elif event == "broadcast":
            await socket.broadcast(TOPIC, "tick")

    async def handle_info(self, event, socket):
        socket.context.ticks += 1
