"""Citypact: cities, companies and city networks cutting emissions together."""
