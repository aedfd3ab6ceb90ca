"""The pyview bench app: `uvicorn pyview_bench.app:app` (run from benches/peers)."""

from pyview import PyView

from .counter import CounterLiveView
from .table import TableLiveView

app = PyView()
app.add_live_view("/counter", CounterLiveView)
app.add_live_view("/table", TableLiveView)
