"""Property tests of upheal: Schemathesis's built-in checks plus the contract rules, against the gate's target."""

from contractgate.gate.suite import api_schema, contract_test

schema = api_schema("upheal")
test_upheal = contract_test(schema, "upheal")
