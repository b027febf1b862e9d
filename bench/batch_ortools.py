"""Solves a batch instance written by batch-bench with Google OR-Tools' SimpleMinCostFlow,
twice, and compares with our solution:

- general: one node per order (source -> order -> place -> sink);
- kinds: the network our solver uses, which this script groups for itself from the
  orders' options: orders with identical option lists are one kind, one node whose
  source arc carries their number (source -> kind -> place -> sink, each kind-place arc
  with the kind's size as its capacity).

Both are solved by solve_max_flow_with_min_cost (the most orders placed, then the least
cost). Times are of OR-Tools' solve alone, the fastest of REPEAT; its graph construction
is not counted. Ours is the time from the orders and listings to the solution: building
the kinds and solving.

Usage: batch_ortools.py INSTANCE.json [REPEAT]
"""
import json
import sys
import time

from ortools.graph.python import min_cost_flow

data = json.load(open(sys.argv[1]))
repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 3
caps, options = data["capacities"], data["options"]


def solve(groups, repeat):
    """groups: list of (options, count); one node per group. Fastest of `repeat` solves."""
    n, p = len(groups), len(caps)
    source, sink = 0, n + p + 1
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        flow = min_cost_flow.SimpleMinCostFlow()
        for g, (opts, count) in enumerate(groups):
            flow.add_arc_with_capacity_and_unit_cost(source, 1 + g, count, 0)
            for place, cost in opts:
                flow.add_arc_with_capacity_and_unit_cost(1 + g, 1 + n + place, count, cost)
        for j, c in enumerate(caps):
            if c > 0:
                flow.add_arc_with_capacity_and_unit_cost(1 + n + j, sink, c, 0)
        # Offer every order at the source; the solver sends as many as it can.
        placeable = sum(count for _, count in groups)
        flow.set_node_supply(source, placeable)
        flow.set_node_supply(sink, -placeable)
        built = time.perf_counter()
        status = flow.solve_max_flow_with_min_cost()
        solved = time.perf_counter()
        if status != flow.OPTIMAL:
            sys.exit(f"OR-Tools did not find an optimum: status {status}")
        run = (solved - built, built - t0, flow.maximum_flow(), flow.optimal_cost(),
               flow.num_nodes(), flow.num_arcs())
        best = run if best is None or run[0] < best[0] else best
    return best


general = [(opts, 1) for opts in options if opts]
kinds = {}
for opts in options:
    if opts:
        key = tuple(map(tuple, opts))
        kinds[key] = kinds.get(key, 0) + 1
grouped = list(kinds.items())

ours = data["ours"]
print(f"ours:              placed={ours['placed']} cost={ours['cost']} "
      f"build+solve={ours['seconds']:.4f}s (build {ours['build_seconds']:.4f}s, "
      f"solve {ours['solve_seconds']:.4f}s)")
same = True
for name, groups in (("kinds", grouped), ("general", general)):
    solve_s, build_s, placed, cost, nodes, arcs = solve(groups, repeat)
    agree = placed == ours["placed"] and cost == ours["cost"]
    same = same and agree
    print(f"or-tools {name:8} placed={placed} cost={cost} solve={solve_s:.4f}s "
          f"(fastest of {repeat}; {nodes} nodes, {arcs} arcs, built in {build_s:.3f}s); "
          f"same optimum: {'yes' if agree else 'NO'}; "
          f"ours / OR-Tools {name} = {ours['seconds'] / solve_s:.2f}")
sys.exit(0 if same else 1)
