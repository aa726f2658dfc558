"""How the running system is: health for load balancers, worker heartbeats, the production check,
and ``fund serve`` (the quick start's web server with its worker)."""
