"""The rule engine: finds rules, validates configuration, runs rules, shapes findings.

The engine never imports a rule module by name: rules are discovered at run time.
"""
