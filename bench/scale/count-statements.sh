#!/usr/bin/env bash
# Counts the hub's statements while wrk drives a scale-bench run (bench/RESULTS.md, "Fewer
# statements per request"). Needs pg_stat_statements loaded (shared_preload_libraries,
# then CREATE EXTENSION pg_stat_statements in the postgres database). Start it just before
#   scale-bench --processes 1 ...
# It waits for wrk, resets the statistics, and when wrk ends writes the statements by
# their calls, then "statements|milliseconds" in all, to the file named.
set -euo pipefail
out=${1:?usage: count-statements.sh OUTPUT}
psql_() { psql -h 127.0.0.1 -U postgres "$@"; }
until pgrep -x wrk >/dev/null; do sleep 0.2; done
psql_ -Atc "select pg_stat_statements_reset()" >/dev/null
while pgrep -x wrk >/dev/null; do sleep 0.2; done
psql_ -c "select calls, round(total_exec_time::numeric, 0) as ms,
  round(mean_exec_time::numeric, 3) as mean, rows,
  left(regexp_replace(query, '\s+', ' ', 'g'), 200) as q
  from pg_stat_statements where query not ilike '%pgbench%'
  order by calls desc limit 80" >"$out"
psql_ -Atc "select sum(calls), round(sum(total_exec_time)::numeric)
  from pg_stat_statements where query not ilike '%pgbench%'" >>"$out"
