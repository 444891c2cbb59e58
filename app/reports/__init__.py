"""Emissions reports: immutable versions, verification, accountability flags, bulk import."""
