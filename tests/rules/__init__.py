"""Tests of careengine/rules/: the test of careengine/rules/<module>.py is here."""
