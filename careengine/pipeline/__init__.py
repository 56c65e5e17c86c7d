"""The evaluation steps after the rules: facts, merge, safety, dosing, reassessment gates and
exercise progression.
"""
