"""Tests of careengine/render/fhir/: the test of careengine/render/fhir/<module>.py is here."""
