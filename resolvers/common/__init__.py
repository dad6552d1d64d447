"""Cross-domain helpers: errors, money, rates, permissions, PII masking, the viewer."""
