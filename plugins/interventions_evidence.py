"""Evidence notes shared by the built-in interventions (data only, no hooks).

Grades come from docs/clinical-basis.md section 6: the APTA / Academy of Orthopaedic
Physical Therapy CPG, George et al., JOSPT 2021 (doi:10.2519/jospt.2021.0304), whose wording maps
to grades as "should" = A, "may" = B, "can" = C (mapping taken from a secondary summary; check it
against the CPG methods table). Recommendations marked "secondary summary" were seen only in a
secondary source. Where no guideline grades an intervention the note says
"no graded recommendation"; no grade is invented here.
"""

from __future__ import annotations

APTA_2021 = "APTA 2021 CPG (George et al., JOSPT 2021)"

TRUNK_ACTIVATION = (
    f"{APTA_2021}: chronic LBP, specific trunk-muscle activation and trunk strengthening/endurance "
    "exercise: should (A); chronic LBP with movement-control impairment, trunk-muscle activation "
    "with movement-control exercise: should (A); acute LBP, exercise including specific "
    "trunk-muscle activation: can (C)."
)

TRUNK_STRENGTH = (
    f"{APTA_2021}: chronic LBP, trunk strengthening and endurance exercise: should (A); acute LBP "
    "with leg pain, trunk strengthening/endurance: may (B). Owen 2020 network meta-analysis: "
    "resistance and stabilisation exercise ranked best for physical function."
)

MOVEMENT_CONTROL = (
    f"{APTA_2021}: chronic LBP, movement-control exercise: may (B); with a movement-control "
    "impairment, combined with trunk-muscle activation: should (A)."
)

GENERAL_STRENGTH = (
    f"{APTA_2021}: chronic LBP, general exercise: should (A); older adults with chronic LBP, "
    "general exercise training: should (A). Owen 2020: resistance training ranked among the best "
    "for function. Dosage anchor: ACSM 2011 (Garber), 2-3 days/week, 8-12 repetitions."
)

TRUNK_MOBILITY = (
    f"{APTA_2021}: chronic LBP, trunk-mobility exercise: may (B). Owen 2020: stretching alone did "
    "not differ from control."
)

STRETCH = (
    "No graded recommendation for isolated stretching. Owen 2020 network meta-analysis: stretching "
    "did not differ from true control; Hayden 2005: programmes combining stretching with "
    "strengthening did better. Dosage anchor: ACSM 2011 flexibility guidance (hold 10-30 s, "
    "2-3 days/week)."
)

FLEXION_STENOSIS = (
    "No graded recommendation for this exercise alone. Used as the flexion exercise in the "
    "Whitman 2006 stenosis trial; TBC flexion subgroup (Fritz 2007). Dosage anchor: ACSM 2011 "
    "flexibility guidance."
)

REGIONAL_MOBILITY = (
    "No graded recommendation for LBP: addresses a regional mobility impairment (regional "
    "interdependence); not tested as an LBP treatment on its own."
)

DIRECTIONAL = (
    f"{APTA_2021} (classification, secondary summary): Mechanical Diagnosis and Therapy, chronic "
    "LBP: may (B); acute LBP: can (C). TBC specific-exercise subgroup (Fritz 2007; Brennan 2006 "
    "operational definition)."
)

LATERAL_SHIFT = (
    "No graded recommendation. TBC lateral-shift subgroup (Fritz 2007; Sports Health 2011 "
    "appendix); the matched treatment (shift correction) is inferred, not verified."
)

AEROBIC = (
    f"{APTA_2021}: chronic LBP, aerobic and general exercise: should (A). Dosage anchor: "
    "ACSM 2011, at least 150 min/week of moderate-intensity activity."
)

AQUATIC = f"{APTA_2021}: chronic LBP, aquatic exercise: should (A)."

YOGA = (
    "ACP 2017 (Qaseem et al.): chronic LBP, yoga as a first-line non-drug option (strong "
    "recommendation, low-quality evidence). No grade for yoga captured from the APTA 2021 CPG."
)

BALANCE = (
    "No graded recommendation for LBP. Too Fit To Fracture (Giangregorio 2014): balance training "
    "with resistance training in osteoporosis (strong recommendation)."
)

POSTURE = (
    "No graded recommendation for LBP. Too Fit To Fracture recommends daily posture and "
    "back-extensor exercise in osteoporosis."
)

MANIPULATION = (
    f"{APTA_2021}: thrust or non-thrust joint mobilisation, acute LBP: should (A); chronic LBP: "
    "should (A) (secondary summary). ACP 2017: spinal manipulation (low-quality evidence). "
    "Flynn 2002 / Childs 2004 prediction rule and Fritz 2005 pragmatic rule (Hancock 2008 did not "
    "confirm the rule). NICE NG59: manual therapy only alongside exercise."
)

MASSAGE = (
    f"{APTA_2021}: massage / soft-tissue mobilisation, acute LBP: may (B); chronic LBP, with other "
    "treatments: may (B). ACP 2017: massage for acute/subacute LBP (low-quality evidence)."
)

NEURAL = (
    f"{APTA_2021}: chronic LBP, neural mobilisation with other treatments: may (B) (secondary "
    "summary); the grade for chronic LBP with leg pain was not captured."
)

CUPPING = (
    "No graded recommendation: cupping is not addressed by the APTA 2021 CPG, ACP 2017 or NICE "
    "NG59 material available."
)

DRY_NEEDLING = (
    f"{APTA_2021}: chronic LBP, dry needling with other treatments: can (C) (secondary summary). "
    "Safety lists: ISCP 2012 dry-needling guidelines."
)

TRACTION = (
    "No graded recommendation in favour: NICE NG59 says do not offer traction; the APTA 2021 CPG "
    "material does not address it. TBC traction subgroup (Fritz 2007): prone mechanical traction "
    "with extension exercise."
)

PAIN_EDUCATION = (
    f"{APTA_2021}: chronic LBP, pain neuroscience education combined with exercise or manual "
    "therapy: should (A) (secondary summary)."
)

ACTIVITY = (
    f"{APTA_2021} (secondary summary): acute LBP, active one-to-one education to stay active: "
    "may (B); chronic LBP, standard education to stay active: may (B). NICE NG59 and the STarT "
    "Back pathway (Hill 2011): advice and self-management for every risk group."
)

PSYCHOLOGICALLY_INFORMED = (
    "No graded recommendation captured from the APTA 2021 CPG. STarT Back trial (Hill 2011): the "
    "matched treatment for high-risk patients; NICE NG59: psychological (CBT-based) approaches "
    "only within a package with exercise."
)

ERGONOMICS = (
    "No graded recommendation in the guidelines summarised (APTA 2021, ACP 2017, NICE NG59)."
)

HEAT = (
    "ACP 2017 (Qaseem et al.): acute/subacute LBP, superficial heat (strong recommendation, "
    "moderate-quality evidence). No grade in the APTA 2021 CPG material."
)

COLD = "No graded recommendation in the guidelines summarised (APTA 2021, ACP 2017, NICE NG59)."

TENS = (
    "No graded recommendation in favour: NICE NG59 says do not offer TENS; not addressed by the "
    "APTA 2021 CPG material."
)

ULTRASOUND = (
    "No graded recommendation in favour: NICE NG59 says do not offer therapeutic ultrasound; not "
    "addressed by the APTA 2021 CPG material."
)

# --- catalog breadth (interventions_breadth; docs/clinical-basis.md section 10) ---------------

DOWNWARD_DOG = (
    "No graded recommendation for this pose alone. Yoga as a programme: ACP 2017 (Qaseem et al.), "
    "chronic LBP, a first-line non-drug option (strong recommendation, low-quality evidence). "
    "Dosage anchor: ACSM 2011 flexibility guidance (hold 10-30 s, 2-3 days/week)."
)

CALF_STRETCH = (
    "No graded recommendation for LBP: addresses limited ankle dorsiflexion (regional "
    "interdependence); not tested as an LBP treatment on its own. Radford 2006 systematic review: "
    "calf stretching gives a small gain in dorsiflexion range. Dosage anchor: ACSM 2011 "
    "flexibility guidance (hold 10-30 s, 2-3 days/week)."
)
