"""Warm workflows: restored workflows kept live between commands, so a step need not restore its
claim's whole history again.

A command restores a workflow from its claim's stored snapshot and, once done, serializes it again.
The next command on the same claim would restore that very snapshot. Instead the command leaves
its live workflow here, under the digest of the snapshot it produced; the next command takes it if
the state it was given has that digest. A digest names one exact snapshot (sha256), so a workflow
found here is in exactly the state a restore would give, and a state that was never committed (a
command whose transaction failed) is never asked for: its digest is not the stored one.

A workflow is *taken* (removed) for a command: while a command changes it nobody else can find it,
and a command that fails takes it with it. The shelf holds at most ``capacity`` workflows (the
least recently kept leave first); its capacity 0 keeps nothing. Replay does not use it: an audit
restores every state from the recorded snapshots.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow


class WarmWorkflows:
    """Live workflows by the digest of the state they are in (thread-safe, bounded)."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._shelf: OrderedDict[str, tuple[BpmnWorkflow, dict[str, Any]]] = OrderedDict()
        self._lock = Lock()
        self.found = 0  # commands that took a warm workflow
        self.missed = 0  # commands that had to restore

    def take(self, digest: str, spec: Any) -> tuple[BpmnWorkflow, dict[str, Any]] | None:
        """The live workflow in the state ``digest`` (of the process ``spec``), removed from the
        shelf; None if there is none."""
        with self._lock:
            found = self._shelf.pop(digest, None)
            if found is None or found[0].spec is not spec:
                self.missed += 1
                return None
            self.found += 1
            return found

    def keep(self, digest: str, workflow: BpmnWorkflow, engine_state: dict[str, Any]) -> None:
        """Shelve a workflow that a command left in the state ``digest``."""
        if self.capacity <= 0:
            return
        with self._lock:
            self._shelf[digest] = (workflow, engine_state)
            self._shelf.move_to_end(digest)
            while len(self._shelf) > self.capacity:
                self._shelf.popitem(last=False)

    def clear(self) -> None:
        """Forget every workflow (e.g. when process versions are reloaded)."""
        with self._lock:
            self._shelf.clear()

    def __len__(self) -> int:
        return len(self._shelf)
