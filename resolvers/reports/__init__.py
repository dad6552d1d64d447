"""Reports over a node's subtree: sales, RFM segments, tiers, ticket SLA, top customers."""
