"""Replays kept in the worker's memory, so that stepping through a claim does not replay it again.

An auditor steps through a replay one page per step; each page needs the whole replay (its list of
steps, the result) and the state after one step. Replaying every recorded command from the start
on every page costs a restore and a run of the engine per event. A replay depends only on the
process version and on the recorded events, so the worker keeps the last replays it made, per
claim and process version, with a fingerprint of every event they replayed:

- the same events (every field of every event, not only the chain's head: an event altered in the
  database since must be replayed again, and found altered) give the kept replay;
- the same events and new ones after them (the claim moved on) replay only the new ones, on from
  the kept last state: what came before cannot have changed, since each step depends only on the
  steps before it;
- anything else replays from the start.

This is a cache, never the source of truth: the events in the database are read on every request,
and the process version's stored files are checked on every request before the cache is asked.
Replays are kept for :data:`CAPACITY` claims per worker, least recently used leave first (a long
claim's replay is a few hundred KB, and each step's drawing looked at ~150 KB more: a few MB for
the longest claims).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

from fund.models import WorkflowEvent

CAPACITY = 8


def event_fingerprint(event: WorkflowEvent) -> str:
    """A digest of everything recorded about an event that its replay reads or checks."""
    body = [
        event.id,
        event.sequence,
        event.type,
        event.actor,
        event.occurred_at.isoformat(),
        event.input,
        event.result,
        event.state_digest,
        event.previous_hash,
        event.hash,
    ]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class KeptReplay:
    """A replay as it was made: the fingerprints of the events it replayed, the report, and where
    the replay stands after its last step (to go on from when events are added)."""

    fingerprints: tuple[str, ...]
    report: Any  # fund.audit.replay.ReplayReport (not imported: that module imports this one)
    progress: Any  # fund.audit.replay._Progress


class ReplayCache:
    """The last replays, by (claim id, process version); thread-safe and bounded."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[tuple[int, str], KeptReplay] = OrderedDict()
        self._lock = Lock()

    def get(self, claim_id: int, version: str) -> KeptReplay | None:
        with self._lock:
            kept = self._kept.get((claim_id, version))
            if kept is not None:
                self._kept.move_to_end((claim_id, version))
            return kept

    def put(self, claim_id: int, version: str, kept: KeptReplay) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._kept[(claim_id, version)] = kept
            self._kept.move_to_end((claim_id, version))
            while len(self._kept) > self.capacity:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


REPLAYS = ReplayCache()
