"""Where one profiled step's time went, for ``benchmarks/engine.py --profile``: own time by library,
and the cumulative time of the named stages of a services step.
"""

from __future__ import annotations

import cProfile
import pstats

# Where a profiled function's own time goes: the first needle found in its file (or built-in) name.
COMPONENTS = (
    ("SpiffWorkflow", "SpiffWorkflow"),
    ("SQLAlchemy", "sqlalchemy"),
    ("psycopg", "psycopg"),
    ("sqlite3", "sqlite3"),
    ("json", "json"),
    ("jsonschema", "jsonschema"),
    ("jsonschema", "referencing"),
    ("workflows", "/workflows/"),
    ("fund", "/fund/"),
    ("hashlib", "hashlib"),
    ("reportlab", "reportlab"),
)

# Stages of a services step worth naming, as (file name ending, function, label); their times nest.
CHECKPOINTS = (
    ("fund/claims/instances.py", "apply_command", "apply_command (engine, history, projections)"),
    ("workflows/engine.py", "complete_task", "  engine.complete_task"),
    ("workflows/engine.py", "deliver_message", "  engine.deliver_message"),
    ("workflows/engine.py", "_restored", "    restore (JSON parse, SpiffWorkflow from_dict)"),
    ("workflows/forms.py", "validate_form_data", "    form validation (jsonschema)"),
    ("SpiffWorkflow/bpmn/workflow.py", "do_engine_steps", "    SpiffWorkflow runs the process"),
    ("workflows/engine.py", "_outcome", "    outcome (snapshot, digest, ready tasks, data)"),
    ("workflows/serialization.py", "dump_snapshot", "      dump_snapshot (to_dict, JSON)"),
    ("fund/claims/instances.py", "mci_rates", "  SELECT mci_rates"),
    ("fund/claims/instances.py", "_project", "  projections (and autoflush of event, snapshot)"),
    ("fund/letters/service.py", "issue_due_letters", "  letters made due, issued"),
    ("fund/letters/pdf.py", "render_letter", "    render_letter (reportlab PDF)"),
    ("sqlalchemy/orm/session.py", "commit", "commit (last flush, COMMIT)"),
    ("psycopg/connection.py", "wait", "waiting for PostgreSQL (all statements)"),
)


def profile_by_component(stats: pstats.Stats) -> dict[str, float]:
    """Own time per library; the standard library and built-ins are charged to their callers."""
    totals: dict[str, float] = {}

    def charge(key: tuple, seconds: float, depth: int = 0) -> None:
        filename, _, name = key
        where = name if filename == "~" else filename
        component = next((c for c, needle in COMPONENTS if needle in where), None)
        callers = stats.stats[key][4]
        if component is None and callers and depth < 5:
            weights = {caller: edge[2] or edge[1] * 1e-9 for caller, edge in callers.items()}
            total = sum(weights.values())
            for caller, weight in weights.items():
                charge(caller, seconds * weight / total, depth + 1)
            return
        totals[component or "other"] = totals.get(component or "other", 0.0) + seconds

    for key, (_, _, own_seconds, _, _) in stats.stats.items():
        charge(key, own_seconds)
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def print_profile(title: str, profiler: cProfile.Profile) -> None:
    """Where one profiled step's time went: by library, and by the stages of a step."""
    stats = pstats.Stats(profiler)
    components = profile_by_component(stats)
    total = sum(components.values())
    print(f"\n--- profile: {title}: {1000 * total:.1f} ms under cProfile (it slows Python code most)")
    print(
        "    own time by library: "
        + " · ".join(f"{name} {100 * seconds / total:.0f}%" for name, seconds in components.items())
    )
    for ending, function, label in CHECKPOINTS:
        matches = [
            (cumulative, calls)
            for (filename, _, name), (_, calls, _, cumulative, _) in stats.stats.items()
            if filename.endswith(ending) and name == function
        ]
        if matches:  # Session.commit and SessionTransaction.commit share a file: take the outer one
            cumulative, calls = max(matches)
            print(
                f"    {label:<54} {1000 * cumulative:6.2f} ms {100 * cumulative / total:4.0f}%  "
                f"({calls} calls)"
            )
