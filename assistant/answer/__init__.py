"""Retrieved passages -> an Answer with citations, or an abstention."""
