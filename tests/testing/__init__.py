"""Tests of careengine/testing/: the test of careengine/testing/<module>.py is here."""
