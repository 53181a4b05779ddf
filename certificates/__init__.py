"""Certificate templates, issuance, rendering and verification (to come)."""
