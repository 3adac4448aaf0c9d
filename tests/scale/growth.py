"""How each page's time grows with the data: this run against an earlier one on a smaller
dataset (``manage.py benchmark --growth-from small.json``; ``--quick`` runs both itself). The
target is at most 1.5x from 10k to 1M orders, and a constant number of queries."""

import json
from pathlib import Path

#: The issue's ceiling on (time at the larger dataset) / (time at the smaller one).
GROWTH_TARGET = 1.5


def growth(report_pages: list[dict], dataset: dict, earlier: dict) -> dict:
    """Per page key: the earlier and the current p50/p95 and queries, and their ratios."""
    before = {page["key"]: page for page in earlier.get("pages", [])}
    rows = {}
    for page in report_pages:
        old = before.get(page["key"])
        if old is None:
            continue
        rows[page["key"]] = {
            "label": page["label"],
            "p50_ms": (old["p50_ms"], page["p50_ms"]),
            "p95_ms": (old["p95_ms"], page["p95_ms"]),
            # The larger of the two viewers' counts: an empty list skips its prefetches.
            "queries": (most_queries(old), most_queries(page)),
            "p50_growth": round(page["p50_ms"] / max(old["p50_ms"], 0.01), 2),
            "p95_growth": round(page["p95_ms"] / max(old["p95_ms"], 0.01), 2),
        }
    return {
        "from": earlier.get("dataset", {}),
        "to": dataset,
        "target": GROWTH_TARGET,
        "pages": rows,
    }


def most_queries(page: dict) -> int:
    return max(page["queries"], page.get("queries_small") or 0)


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def lines(table: dict) -> list[str]:
    if not table or not table.get("pages"):
        return []
    small, large = table["from"].get("orders", 0), table["to"].get("orders", 0)
    width = max([34] + [len(row["label"]) + 1 for row in table["pages"].values()])
    out = [
        "",
        f"Growth from {small:,} to {large:,} orders (p50 ratio; the target is ≤{GROWTH_TARGET}x, "
        "and the same queries):",
        f"{'page':<{width}}{'p50 ms':>17}{'growth':>8}{'p95 ms':>17}{'queries':>10}  result",
    ]
    for row in table["pages"].values():
        (p50_a, p50_b), (p95_a, p95_b), (q_a, q_b) = row["p50_ms"], row["p95_ms"], row["queries"]
        ok = row["p50_growth"] <= GROWTH_TARGET and q_a == q_b
        out.append(
            f"{row['label']:<{width}}{f'{p50_a:.1f} → {p50_b:.1f}':>17}{row['p50_growth']:>7.2f}x"
            f"{f'{p95_a:.1f} → {p95_b:.1f}':>17}{f'{q_a} → {q_b}':>10}  {'ok' if ok else 'MISSED'}"
        )
    return out
