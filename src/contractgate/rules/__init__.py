"""Contract rules beyond JSON Schema: conditional nullability, invariants, cross-field consistency.

Rule instances are data (``specs/<api>/rules.yaml``, one entry each); rule kinds are code
(:mod:`contractgate.rules.kinds`); the engine (:mod:`contractgate.rules.engine`) compiles and runs them.
"""

from contractgate.rules.engine import Rule, RuleSet, all_rules, load_ruleset, rules_for
from contractgate.rules.kinds import RULE_KINDS

__all__ = ["RULE_KINDS", "Rule", "RuleSet", "all_rules", "load_ruleset", "rules_for"]
