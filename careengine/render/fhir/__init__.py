"""FHIR R4 output: the plan and the assessment as Bundles, and the plan's narrative."""
