"""Reading an assessment from a FHIR R4 Bundle, and the FHIR codes shared with the FHIR output."""
