"""``python -m bench`` (``make bench``): what a crossnet user waits for, measured offline.

1. Program cost: each scenario, and the whole dev stack, run on the mock runtime in a
   fresh process, next to a "floor" process that only imports the same ``pulumi_*``
   modules (plus pulumi and the mock runtime) and registers nothing.
2. Scaling: Kafka brokers, Aurora regions and VPN clients; resource count and program
   time must grow linearly.
3. Deploy critical path: the recorded dependency graph with typical creation times
   (``bench/durations.py``) against the sequential runbook (the sum of every step).
4. Failover DNS: the Aurora failover handler against moto, from event to CNAME written.

This package stays import-light: the measured child processes import ``bench.child``.
"""
