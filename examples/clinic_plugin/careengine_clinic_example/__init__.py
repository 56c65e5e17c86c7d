"""An example clinic plugin for careengine.

``plugin`` is the module careengine loads (entry point ``clinic_example`` in the ``careengine``
group). It adds one exercise to the catalog (``interventions``), a TOML rule pack
(``rules/clinic.toml``), a rule written in Python (``flare``) and a first-visit policy
(``policy``).
"""
