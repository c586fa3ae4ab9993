"""Reference custom models."""
