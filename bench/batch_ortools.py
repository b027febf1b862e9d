"""Solves a batch instance written by batch-bench with Google OR-Tools' SimpleMinCostFlow
(one node per order: the general formulation) and compares with our solution.

Usage: batch_ortools.py INSTANCE.json [REPEAT]
"""
import json
import sys
import time

from ortools.graph.python import min_cost_flow

data = json.load(open(sys.argv[1]))
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
caps, options = data["capacities"], data["options"]
n, p = len(options), len(caps)
source, sink = 0, n + p + 1

best = None
for _ in range(repeat):
    t0 = time.perf_counter()
    flow = min_cost_flow.SimpleMinCostFlow()
    for o, opts in enumerate(options):
        if opts:
            flow.add_arc_with_capacity_and_unit_cost(source, 1 + o, 1, 0)
        for place, cost in opts:
            flow.add_arc_with_capacity_and_unit_cost(1 + o, 1 + n + place, 1, cost)
    for j, c in enumerate(caps):
        if c > 0:
            flow.add_arc_with_capacity_and_unit_cost(1 + n + j, sink, c, 0)
    # Offer every order at the source; the solver sends as many as it can (maximum flow).
    placeable = sum(1 for opts in options if opts)
    flow.set_node_supply(source, placeable)
    flow.set_node_supply(sink, -placeable)
    built = time.perf_counter()
    status = flow.solve_max_flow_with_min_cost()
    solved = time.perf_counter()
    if status != flow.OPTIMAL:
        sys.exit(f"OR-Tools did not find an optimum: status {status}")
    run = (solved - built, built - t0, flow.maximum_flow(), flow.optimal_cost())
    best = run if best is None or run[0] < best[0] else best

solve_s, build_s, placed, cost = best
ours = data["ours"]
print(f"or-tools: placed={placed} cost={cost} solve={solve_s:.4f}s (fastest of {repeat}; graph built in {build_s:.3f}s)")
print(f"ours:     placed={ours['placed']} cost={ours['cost']} solve={ours['solve_seconds']:.4f}s")
same = placed == ours["placed"] and cost == ours["cost"]
print(f"same optimum: {'yes' if same else 'NO'}; our time / OR-Tools time = {ours['solve_seconds'] / solve_s:.2f}")
sys.exit(0 if same else 1)
