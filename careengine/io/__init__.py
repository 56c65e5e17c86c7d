"""Input and files: reading and validating assessments, follow-ups and stored plans (JSON and
FHIR), the JSON Schemas, and writing output files atomically.
"""
