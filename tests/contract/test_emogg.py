"""Property tests of emogg: Schemathesis's built-in checks plus the contract rules, against the gate's target."""

from contractgate.gate.suite import api_schema, contract_test

schema = api_schema("emogg")
test_emogg = contract_test(schema, "emogg")
