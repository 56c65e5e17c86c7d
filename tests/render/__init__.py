"""Tests of careengine/render/: the test of careengine/render/<module>.py is here."""
