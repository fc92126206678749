"""The audit chain: record decision-relevant events and verify the chain."""
