"""Shared fixtures: an owner, a teammate and an outsider, with queues and frozen time."""
