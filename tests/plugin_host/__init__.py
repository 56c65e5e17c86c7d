"""Tests of the plugin host, careengine/plugins/ (tests/plugins/ holds the test plugins)."""
