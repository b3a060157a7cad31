"""Live updates: a story's events between instances (broker) and to browsers (SSE)."""
