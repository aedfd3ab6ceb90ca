"""1,000-row table: each `bump` adds one to the value of the next row (row n % 1000)."""

from dataclasses import dataclass, field

from pyview import LiveView, LiveViewSocket

ROWS = 1000


def initial_rows():
    return [{"id": i, "name": f"row {i}", "value": 0} for i in range(ROWS)]


@dataclass
class TableContext:
    rows: list = field(default_factory=initial_rows)
    bumps: int = 0


class TableLiveView(LiveView[TableContext]):
    async def mount(self, socket: LiveViewSocket[TableContext], session):
        socket.context = TableContext()

    async def handle_event(self, event, payload, socket):
        if event == "bump":
            ctx = socket.context
            ctx.rows[ctx.bumps % ROWS]["value"] += 1
            ctx.bumps += 1
