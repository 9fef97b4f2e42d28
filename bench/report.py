"""Turns the benchmark's measurements into lines for the console and Markdown tables."""

from __future__ import annotations

BASELINES = {"drf": "DRF", "plain": "plain Django", "json-server": "json-server"}


def http_line(summary: dict) -> str:
    fauxsite = summary["fauxsite"]
    cpu = _ms(fauxsite["median_cpu_ms"])
    parts = [f"{summary['label']:<34} fauxsite {fauxsite['median_rps']:7.1f}/s {cpu} ms CPU"]
    for side, label in BASELINES.items():
        measured = summary[side]
        parts.append(f"{label} {measured['median_rps']:7.1f}/s {_ms(measured['median_cpu_ms'])} ms")
    failures = sum(summary[side]["failures"] for side in ("fauxsite", *BASELINES))
    warning = f"  ({failures} failed requests!)" if failures else ""
    return " | ".join(parts) + warning


def seeding_line(result: dict) -> str:
    if "skipped" in result:
        return f"seeding {result['mode']:<17} skipped: {result['skipped']}"
    return (
        f"seeding {result['mode']:<17} {result['rows_per_second']:10,.0f} rows/s  "
        f"peak RSS {result['peak_rss_mb']:.0f} MB"
    )


def markdown(results: dict) -> str:
    sections = [_header(results)]
    for engine, measured in results["engines"].items():
        sections += [f"### {engine}", _load_line(measured, results["machine"])]
        sections += [_rps_table(measured["http"]), _cpu_table(measured["http"])]
        if measured.get("profile"):
            sections += [_wall_table(measured["profile"]), _query_table(measured["profile"])]
            sections += [_bucket_table(measured["profile"], scenario) for scenario in ("list20", "create")]
    if results.get("seeding"):
        sections.append(_seeding_table(results["seeding"]))
    return "\n\n".join(sections) + "\n"


def _header(results: dict) -> str:
    machine, options = results["machine"], results["options"]
    return (
        f"Run {results['started']} on {machine['cpu']} ({machine['cores']} cores), "
        f"Python {machine['python']}, Django {machine['django']}, DRF {machine['drf']}; "
        f"{options['rows']:,} books; gunicorn {options['workers']} sync workers per Django server, "
        f"json-server one node process; load by {options['loadgen']} with "
        f"{options['connections']} connections, {options['rounds']} rotated rounds of "
        f"{options['seconds']:g} s per side and scenario (median shown)."
    )


def _load_line(measured: dict, machine: dict) -> str:
    load = measured["load_average"]
    busy = max(load.values(), default=0) > (machine["cores"] or 1)
    note = " **The machine was busy**: compare CPU per request and the ratios." if busy else ""
    return f"1-minute load average {load['before']:.1f} before, {load['after']:.1f} after.{note}"


def _rps_table(http: list[dict]) -> str:
    lines = [
        "Requests per second (fauxsite / baseline in brackets):",
        "",
        "| Scenario | fauxsite | " + " | ".join(BASELINES.values()) + " | failed |",
        "|---|---:|" + "---:|" * len(BASELINES) + "---:|",
    ]
    for summary in http:
        cells = [
            f"{summary[side]['median_rps']:.0f} ({summary['ratios'][side]['rps']:.2f})" for side in BASELINES
        ]
        failures = sum(summary[side]["failures"] for side in ("fauxsite", *BASELINES))
        fauxsite = f"{summary['fauxsite']['median_rps']:.0f}"
        lines.append(f"| {summary['label']} | {fauxsite} | {' | '.join(cells)} | {failures} |")
    return "\n".join(lines)


def _cpu_table(http: list[dict]) -> str:
    lines = [
        "Server CPU ms per request (efficiency, baseline CPU / fauxsite CPU, in bold: "
        "1.0 or more means fauxsite is cheaper):",
        "",
        "| Scenario | fauxsite | " + " | ".join(BASELINES.values()) + " |",
        "|---|---:|" + "---:|" * len(BASELINES),
    ]
    for summary in http:
        cells = []
        for side in BASELINES:
            efficiency = summary["ratios"][side]["efficiency"]
            ratio = "-" if efficiency is None else f"**{efficiency:.2f}**"
            cells.append(f"{_ms(summary[side]['median_cpu_ms'], 2)} ({ratio})")
        lines.append(
            f"| {summary['label']} | {_ms(summary['fauxsite']['median_cpu_ms'], 2)} | {' | '.join(cells)} |"
        )
    return "\n".join(lines)


def _wall_table(profile: dict) -> str:
    lines = [
        "In-process (WSGI handler, no network, no profiler), median ms per request; "
        "static is a DRF twin inside fauxsite's own settings and middleware:",
        "",
        "| Scenario | dynamic ms | static ms | dynamic / static time |",
        "|---|---:|---:|---:|",
    ]
    for scenario, measured in profile["scenarios"].items():
        wall = measured["wall_ms"]
        lines.append(
            f"| {scenario} | {wall['dynamic']:.2f} | {wall['static']:.2f} | "
            f"{wall['dynamic'] / wall['static']:.2f} |"
        )
    return "\n".join(lines)


def _query_table(profile: dict) -> str:
    lines = ["SQL queries per request (default + fixtures database):", "", "| Scenario | dynamic | static |"]
    lines.append("|---|---:|---:|")
    for scenario, measured in profile["scenarios"].items():
        counts = {
            side: " + ".join(str(len(queries[alias])) for alias in ("default", "fixtures"))
            for side, queries in measured["queries"].items()
        }
        lines.append(f"| {scenario} | {counts['dynamic']} | {counts['static']} |")
    return "\n".join(lines)


def _bucket_table(profile: dict, scenario: str) -> str:
    buckets = profile["scenarios"][scenario]["buckets"]
    whole = {side: values["whole request (WSGI handler)"] or 1.0 for side, values in buckets.items()}
    lines = [
        f"Where the time goes, {scenario} (cProfile, inclusive ms per request; stages nest):",
        "",
        "| Stage | dynamic ms | % | static ms | % | dynamic - static ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label in buckets["dynamic"]:
        dynamic, static = buckets["dynamic"][label], buckets["static"][label]
        if not dynamic and not static:
            continue
        lines.append(
            f"| {label} | {dynamic:.3f} | {100 * dynamic / whole['dynamic']:.0f} | {static:.3f} | "
            f"{100 * static / whole['static']:.0f} | {dynamic - static:+.3f} |"
        )
    return "\n".join(lines)


def _seeding_table(seeding: list[dict]) -> str:
    lines = [
        "| Seeding step | rows | rows/s | seconds | peak RSS MB (before) | tracemalloc peak MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for result in seeding:
        if "skipped" in result:
            lines.append(f"| {result['mode']} | {result['rows']:,} | skipped: {result['skipped']} | | | |")
            continue
        traced = result.get("tracemalloc_peak_mb")
        lines.append(
            f"| {result['mode']} | {result['rows']:,} | {result['rows_per_second']:,.0f} | "
            f"{result['seconds']:.1f} | {result['peak_rss_mb']:.0f} ({result['rss_before_mb']:.0f}) | "
            f"{'' if traced is None else f'{traced:.1f}'} |"
        )
    return "\n".join(lines)


def _ms(value: float | None, places: int = 1) -> str:
    return "-" if value is None else f"{value:.{places}f}"


# fixtures versus live (bench/live.py) ----------------------------------------------

COPY_WAYS = {
    "switch": "`switch_source` copy (`copy_fixture_rows`)",
    "orm-copy": "ORM reads + psycopg `COPY ... FROM STDIN`, written by the benchmark (a check)",
    "plain-copy": "plain `COPY ... TO STDOUT` piped into `COPY ... FROM STDIN` (limit)",
}


def live_http_line(summary: dict) -> str:
    fixtures, live = summary["fixtures"], summary["live"]
    failures = fixtures["failures"] + live["failures"]
    warning = f"  ({failures} failed requests!)" if failures else ""
    return (
        f"{summary['label']:<36} fixtures {fixtures['median_rps']:8.1f}/s  "
        f"live {live['median_rps']:8.1f}/s  ratio {summary['ratio']:.2f}{warning}"
    )


def copy_line(copy: dict) -> str:
    rates = {way: copy["rows"] / seconds for way, seconds in copy["median_seconds"].items()}
    return "copy " + "  ".join(f"{way} {rate:,.0f} rows/s" for way, rate in rates.items())


def live_markdown(results: dict) -> str:
    machine, options = results["machine"], results["options"]
    sections = [
        f"Run {results['started']} on {machine['cpu']} ({machine['cores']} cores), "
        f"Python {machine['python']}, Django {machine['django']}, DRF {machine['drf']}; "
        f"gunicorn {options['workers']} sync workers; load by {options['loadgen']} with "
        f"{options['connections']} connections, {options['rounds']} alternating rounds of "
        f"{options['seconds']:g} s per source and scenario (median shown)."
    ]
    for setup in results["setups"]:
        sections += [_live_setup_header(setup), _live_http_table(setup["http"])]
        if setup.get("copy"):
            sections += [_copy_table(setup["copy"]), _copy_profile_table(setup["copy"])]
    return "\n\n".join(sections) + "\n"


def _live_setup_header(setup: dict) -> str:
    prepared, load = setup["prepared"], setup["load_average"]
    rate = prepared["rows_copied"] / prepared["switch_seconds"]
    return (
        f"### Fixtures on {setup['fixtures_engine']}, live table on PostgreSQL\n\n"
        f"Switched with {prepared['rows_copied']:,} rows copied in {prepared['switch_seconds']:.2f} s "
        f"({rate:,.0f} rows/s, readiness check {prepared['readiness_seconds'] * 1000:.0f} ms of it). "
        f"1-minute load average {load['before']:.1f} before, {load['after']:.1f} after."
    )


def _live_http_table(http: list[dict]) -> str:
    lines = [
        "| Scenario | fixtures req/s | live req/s | live / fixtures | p50 ms fixtures / live | failed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for summary in http:
        fixtures, live = summary["fixtures"], summary["live"]
        lines.append(
            f"| {summary['label']} | {fixtures['median_rps']:.0f} | {live['median_rps']:.0f} | "
            f"**{summary['ratio']:.2f}** | "
            f"{_ms(fixtures['median_p50_ms'])} / {_ms(live['median_p50_ms'])} | "
            f"{fixtures['failures'] + live['failures']} |"
        )
    return "\n".join(lines)


def _copy_table(copy: dict) -> str:
    rows, medians = copy["rows"], copy["median_seconds"]
    limit = rows / medians["plain-copy"]
    lines = [
        f"Copying {rows:,} fixture rows into an empty live table (median of {len(copy['rounds']['switch'])} "
        f"rounds, order rotated; the switch itself, readiness check and record included: "
        f"{copy['switch']['switch_seconds']:.1f} s):",
        "",
        "| Copy | rows/s | seconds | share of the limit |",
        "|---|---:|---:|---:|",
    ]
    for way, label in COPY_WAYS.items():
        rate = rows / medians[way]
        lines.append(f"| {label} | {rate:,.0f} | {medians[way]:.2f} | {rate / limit:.2f} |")
    return "\n".join(lines)


def _copy_profile_table(copy: dict) -> str:
    buckets = copy["profile"]["buckets"]
    whole = next(iter(buckets.values())) or 1.0
    lines = [
        "Where `copy_fixture_rows` spends its time (cProfile, inclusive seconds; stages nest):",
        "",
        "| Stage | seconds | % |",
        "|---|---:|---:|",
    ]
    for label, seconds in buckets.items():
        lines.append(f"| {label} | {seconds:.2f} | {100 * seconds / whole:.0f} |")
    return "\n".join(lines)
