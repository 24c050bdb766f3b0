"""Console writes. The console owns cases and knowledge articles; for carts and orders it
only calls those apps' services with the agent as actor, and records an audit entry."""
