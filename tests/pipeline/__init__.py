"""Tests of careengine/pipeline/: the test of careengine/pipeline/<module>.py is here."""
