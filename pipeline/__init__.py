"""Pure extraction, normalisation, change detection; storage at the edge."""
