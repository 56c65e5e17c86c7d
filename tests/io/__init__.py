"""Tests of careengine/io/: the test of careengine/io/<module>.py is here."""
