"""Property tests of asleep-v3: Schemathesis's built-in checks plus the contract rules, against the gate's target."""

from contractgate.gate.suite import api_schema, contract_test

schema = api_schema("asleep-v3")
test_asleep_v3 = contract_test(schema, "asleep-v3")
