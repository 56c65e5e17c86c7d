"""Tests of careengine/io/fhir/: the test of careengine/io/fhir/<module>.py is here."""
