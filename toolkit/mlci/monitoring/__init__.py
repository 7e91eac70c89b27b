"""Monitoring: reference profiles, drift tests, live KPIs, the monitor report, retraining."""
