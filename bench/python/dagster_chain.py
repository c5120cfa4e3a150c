"""Dagster's side of bench/runtime_bench.ts's chain case: a chain of N no-op @asset, each
depending on the one before, materialized in process with dagster.materialize() from a fresh
instance, on its default SQLite storage or on Postgres. Each asset returns None, which the
default filesystem IO manager pickles to one small file, as each Sluice step writes one empty
file. Prints one JSON line: {"storage", "assets", "seconds", "ms_per_asset"}; only the
materialize() call is timed (not Python's start, imports or building the definitions).

usage: dagster_chain.py sqlite|postgres N [POSTGRES_URL]
"""

import json
import os
import sys
import tempfile
import time

import yaml


# The console logger at ERROR: Sluice's bench prints nothing either, and Dagster's debug lines on
# stderr would cost it time the comparison should not count.
QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def chain(n):
    from dagster import asset

    assets = []
    for i in range(n):
        deps = [assets[-1]] if assets else []

        @asset(name=f"a{i}", deps=deps)
        def noop():
            return None

        assets.append(noop)
    return assets


def instance_for(storage, home, postgres_url):
    from dagster import DagsterInstance

    if storage == "sqlite":
        # What a dagster.yaml without storage settings gives: SQLite files under DAGSTER_HOME.
        return DagsterInstance.local_temp(home)
    # SQLAlchemy knows the scheme as postgresql:// only.
    if postgres_url.startswith("postgres://"):
        postgres_url = "postgresql://" + postgres_url[len("postgres://"):]
    with open(os.path.join(home, "dagster.yaml"), "w") as config:
        yaml.safe_dump({"storage": {"postgres": {"postgres_url": postgres_url}}}, config)
    return DagsterInstance.from_config(home)


def main():
    storage, n = sys.argv[1], int(sys.argv[2])
    postgres_url = sys.argv[3] if len(sys.argv) > 3 else None
    from dagster import materialize

    assets = chain(n)
    with tempfile.TemporaryDirectory(prefix="dagster-chain-") as home:
        instance = instance_for(storage, home, postgres_url)
        started = time.perf_counter()
        result = materialize(assets, instance=instance, run_config=QUIET)
        seconds = time.perf_counter() - started
        if not result.success:
            raise SystemExit("the Dagster run failed")
        instance.dispose()
    print(json.dumps({
        "storage": storage,
        "assets": n,
        "seconds": seconds,
        "ms_per_asset": seconds * 1000 / n,
    }))


if __name__ == "__main__":
    main()
