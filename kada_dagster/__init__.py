"""Hightouch and Hevo metadata as Dagster assets, landed as KADA K extracts."""
