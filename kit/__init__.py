"""Helpers every app may use. The kit imports no Flagpost app and holds no models."""
