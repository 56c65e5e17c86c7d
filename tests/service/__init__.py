"""Tests of careengine/service/: the test of careengine/service/<module>.py is here."""
